// Opens the afpacket source and prints the outcome; run without CAP_NET_RAW by the
// capture test. Exit 3 = PluginUnavailable (its message on stdout), 0 = opened.
#include <iostream>

#include "afpacket_source.hpp"

int main() {
    try {
        sstop::plugins::afpacket::AfpacketSource source(sstop::plugins::afpacket::AfpacketConfig{});
        source.open();
        std::cout << "opened\n";
        return 0;
    } catch (const sstop::PluginUnavailable& e) {
        std::cout << e.what() << "\n";
        return 3;
    } catch (const std::exception& e) {
        std::cout << "other: " << e.what() << "\n";
        return 4;
    }
}
