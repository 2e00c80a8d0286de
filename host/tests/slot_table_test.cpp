// SlotTable: the socket table's container. Lookups, insertion, erasure during a walk, reuse of
// erased slots, stable addresses, and a randomized comparison against std::unordered_map.

#include "core/slot_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace sstop::core {
namespace {

using Table = SlotTable<int, std::string, std::hash<int>>;

template <class T>
std::map<int, std::string> contents(const T& t) {
    std::map<int, std::string> out;
    for (const auto& [k, v] : t) EXPECT_TRUE(out.emplace(k, v).second) << "key " << k << " twice";
    return out;
}

TEST(SlotTable, InsertFindErase) {
    Table t;
    EXPECT_TRUE(t.empty());
    auto [it, inserted] = t.try_emplace(7, "seven");
    EXPECT_TRUE(inserted);
    EXPECT_EQ(it->first, 7);
    auto [again, inserted_again] = t.try_emplace(7, "other");
    EXPECT_FALSE(inserted_again);
    EXPECT_EQ(again->second, "seven");
    EXPECT_EQ(t.size(), 1u);
    EXPECT_TRUE(t.find(8) == t.end());
    ASSERT_FALSE(t.find(7) == t.end());
    EXPECT_EQ(t.find(7)->second, "seven");
    EXPECT_EQ(t.erase(7), 1u);
    EXPECT_EQ(t.erase(7), 0u);
    EXPECT_TRUE(t.find(7) == t.end());
    EXPECT_TRUE(t.empty());
    EXPECT_TRUE(t.begin() == t.end());
}

TEST(SlotTable, AddressesStayWhileTheTableGrows) {
    Table t;
    std::string* first = &t.try_emplace(0, "zero").first->second;
    for (int i = 1; i < 5000; ++i) t.try_emplace(i, std::to_string(i));
    EXPECT_EQ(first, &t.find(0)->second);
    EXPECT_EQ(*first, "zero");
}

TEST(SlotTable, EraseDuringWalkVisitsEveryOtherEntryOnce) {
    Table t;
    for (int i = 0; i < 1000; ++i) t.try_emplace(i, std::to_string(i));
    int visited = 0;
    for (auto it = t.begin(); it != t.end();) {
        ++visited;
        if (it->first % 2 == 0 || it->first == 999) {  // 999: the last slot, the walk's end moves
            it = t.erase(it);
        } else {
            ++it;
        }
    }
    EXPECT_EQ(visited, 1000);
    EXPECT_EQ(t.size(), 499u);
    for (const auto& [k, v] : t) {
        EXPECT_EQ(k % 2, 1);
        EXPECT_NE(k, 999);
        EXPECT_EQ(v, std::to_string(k));
    }
}

TEST(SlotTable, ChurnReusesSlotsSoTheWalkStaysShort) {
    Table t;
    for (int i = 0; i < 512; ++i) t.try_emplace(i, "x");
    // Replace every entry many times over: the slots in use never exceed the live count.
    for (int round = 1; round <= 20; ++round) {
        for (int i = 0; i < 512; ++i) {
            t.erase((round - 1) * 512 + i);
            t.try_emplace(round * 512 + i, "y");
        }
    }
    EXPECT_EQ(t.size(), 512u);
    EXPECT_LE(t.end().slot(), 512u);
}

// Every key hashes to one of three buckets at the end of the index: long probe runs that
// wrap around, where erasing must shift entries back across the wrap.
struct CollidingHash {
    std::size_t operator()(int k) const { return 0xFFFFFFFFu - static_cast<unsigned>(k % 3); }
};

template <class T>
void random_operations(T& t, int keys) {
    std::unordered_map<int, std::string> ref;
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> key(0, keys);
    std::uniform_int_distribution<int> op(0, 9);
    for (int step = 0; step < 20000; ++step) {
        const int k = key(rng);
        switch (op(rng)) {
            case 0:
            case 1:
            case 2:
            case 3: {
                const std::string v = std::to_string(step);
                EXPECT_EQ(t.try_emplace(k, v).second, ref.try_emplace(k, v).second);
                break;
            }
            case 4:
            case 5:
            case 6:
                EXPECT_EQ(t.erase(k), ref.erase(k));
                break;
            case 7: {  // erase through an iterator
                auto it = t.find(k);
                if (it != t.end()) {
                    t.erase(it);
                    ref.erase(k);
                }
                break;
            }
            default: {
                auto it = t.find(k);
                auto rit = ref.find(k);
                ASSERT_EQ(it == t.end(), rit == ref.end());
                if (rit != ref.end()) {
                    EXPECT_EQ(it->second, rit->second);
                }
            }
        }
        ASSERT_EQ(t.size(), ref.size());
    }
    const std::map<int, std::string> expected(ref.begin(), ref.end());
    EXPECT_EQ(contents(t), expected);
    t.clear();
    EXPECT_TRUE(t.empty());
    EXPECT_TRUE(t.begin() == t.end());
    EXPECT_TRUE(t.find(1) == t.end());
}

TEST(SlotTable, MatchesUnorderedMapUnderRandomOperations) {
    Table t;
    random_operations(t, 2000);
}

TEST(SlotTable, CollidingKeysWrapAroundTheIndexAndEraseShiftsThemBack) {
    SlotTable<int, std::string, CollidingHash> t;
    random_operations(t, 300);
}

}  // namespace
}  // namespace sstop::core
