#include "app/log.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

namespace sstop::host {

Log::Log(bool stderr_enabled) : stderr_enabled_(stderr_enabled) {}

Log::~Log() {
    if (file_) std::fclose(file_);
}

bool Log::open_file(const std::string& path, std::string& error) {
    std::FILE* f = std::fopen(path.c_str(), "ae");
    if (!f) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    std::lock_guard lock(mutex_);
    if (file_) std::fclose(file_);
    file_ = f;
    return true;
}

void Log::set_stderr(bool enabled) {
    std::lock_guard lock(mutex_);
    stderr_enabled_ = enabled;
}

void Log::write(Notice::Level level, std::string_view message) {
    static const char* const kNames[] = {"info", "warning", "error"};
    std::lock_guard lock(mutex_);
    if (file_) {
        std::time_t now = std::time(nullptr);
        struct tm tm_buf;
        char when[32];
        std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm_buf));
        std::fprintf(file_, "%s %s %.*s\n", when, kNames[static_cast<int>(level)],
                     static_cast<int>(message.size()), message.data());
        std::fflush(file_);
    }
    if (level == Notice::Level::Info) return;
    if (stderr_enabled_)
        std::fprintf(stderr, "sstop: %.*s\n", static_cast<int>(message.size()), message.data());
    // The same message again replaces the old one instead of filling the list.
    for (auto it = notices_.begin(); it != notices_.end(); ++it) {
        if (it->text == message) {
            notices_.erase(it);
            break;
        }
    }
    notices_.push_back(Notice{level, std::string(message)});
    if (notices_.size() > kMaxNotices) notices_.pop_front();
}

std::vector<Notice> Log::notices() const {
    std::lock_guard lock(mutex_);
    return {notices_.begin(), notices_.end()};
}

}  // namespace sstop::host
