#pragma once
// A hash table whose entries live in fixed chunks of slots, not in one heap node each.
//
// The aggregator walks its socket table several times per tick. In a node-based
// std::unordered_map every step of that walk is a cache miss (the nodes are scattered over
// the heap); here the walk reads the slots in order, chunk by chunk. Lookups go through an
// index from key to slot number, so they cost what they did.
//
// Entries never move: a pointer or reference to one stays valid until it is erased (the
// chunks are never reallocated). Erased slots are reused first, so the table's memory follows
// its high-water mark and stays flat under churn. Iteration is in slot order.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sstop::core {

template <class Key, class T, class Hash>
class SlotTable {
  public:
    using value_type = std::pair<const Key, T>;

    template <bool Const>
    class Iter {
      public:
        using Table = std::conditional_t<Const, const SlotTable, SlotTable>;
        using Value = std::conditional_t<Const, const value_type, value_type>;

        Iter() = default;
        Iter(Table* table, std::uint32_t slot) : table_(table), slot_(slot) { skip(); }
        // A mutable iterator converts to a const one.
        operator Iter<true>() const { return Iter<true>(table_, slot_); }

        Value& operator*() const { return *table_->at(slot_); }
        Value* operator->() const { return table_->at(slot_); }
        Iter& operator++() {
            ++slot_;
            skip();
            return *this;
        }
        friend bool operator==(const Iter& a, const Iter& b) { return a.slot_ == b.slot_; }
        std::uint32_t slot() const { return slot_; }

      private:
        void skip() {
            if (slot_ > table_->end_slot_) slot_ = table_->end_slot_;  // after a trailing erase
            while (slot_ < table_->end_slot_ && !table_->used(slot_)) ++slot_;
        }
        Table* table_ = nullptr;
        std::uint32_t slot_ = 0;
    };
    using iterator = Iter<false>;
    using const_iterator = Iter<true>;

    SlotTable() = default;
    SlotTable(const SlotTable&) = delete;
    SlotTable& operator=(const SlotTable&) = delete;
    ~SlotTable() { clear(); }

    std::size_t size() const { return index_.size(); }
    bool empty() const { return index_.empty(); }

    iterator begin() { return iterator(this, 0); }
    iterator end() { return iterator(this, end_slot_); }
    const_iterator begin() const { return const_iterator(this, 0); }
    const_iterator end() const { return const_iterator(this, end_slot_); }

    iterator find(const Key& key) {
        auto it = index_.find(key);
        return it == index_.end() ? end() : iterator(this, it->second);
    }
    const_iterator find(const Key& key) const {
        auto it = index_.find(key);
        return it == index_.end() ? end() : const_iterator(this, it->second);
    }

    /// Inserts `T(args...)` under `key` unless the key is present; as std::unordered_map's.
    template <class... Args>
    std::pair<iterator, bool> try_emplace(const Key& key, Args&&... args) {
        auto [it, inserted] = index_.try_emplace(key, 0);
        if (!inserted) return {iterator(this, it->second), false};
        std::uint32_t slot;
        try {
            slot = take_slot();
            ::new (raw(slot)) value_type(std::piecewise_construct, std::forward_as_tuple(key),
                                         std::forward_as_tuple(std::forward<Args>(args)...));
        } catch (...) {
            index_.erase(it);
            throw;
        }
        mark(slot, true);
        it->second = slot;
        return {iterator(this, slot), true};
    }

    /// Erases the entry at `pos`; returns the iterator to the next one.
    iterator erase(iterator pos) {
        const std::uint32_t slot = pos.slot();
        index_.erase(at(slot)->first);
        release(slot);
        return iterator(this, slot + 1);
    }

    std::size_t erase(const Key& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return 0;
        const std::uint32_t slot = it->second;
        index_.erase(it);
        release(slot);
        return 1;
    }

    void clear() {
        for (std::uint32_t s = 0; s < end_slot_; ++s) {
            if (used(s)) {
                at(s)->~value_type();
                mark(s, false);
            }
        }
        index_.clear();
        free_.clear();
        end_slot_ = 0;
    }

  private:
    static constexpr std::uint32_t kChunk = 256;  // slots per chunk

    struct Slot {
        alignas(value_type) unsigned char raw[sizeof(value_type)];
    };
    struct Chunk {
        Slot slots[kChunk];
        bool used[kChunk] = {};
    };

    void* raw(std::uint32_t s) { return chunks_[s / kChunk]->slots[s % kChunk].raw; }
    value_type* at(std::uint32_t s) const {
        return std::launder(
            reinterpret_cast<value_type*>(chunks_[s / kChunk]->slots[s % kChunk].raw));
    }
    bool used(std::uint32_t s) const { return chunks_[s / kChunk]->used[s % kChunk]; }
    void mark(std::uint32_t s, bool on) { chunks_[s / kChunk]->used[s % kChunk] = on; }

    std::uint32_t take_slot() {
        if (!free_.empty()) {
            const std::uint32_t s = free_.back();
            free_.pop_back();
            return s;
        }
        if (end_slot_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<Chunk>());
        return end_slot_++;
    }

    void release(std::uint32_t s) {
        at(s)->~value_type();
        mark(s, false);
        if (s + 1 == end_slot_) {
            --end_slot_;  // the walk stops earlier; trailing free slots are not listed
        } else {
            free_.push_back(s);
        }
    }

    std::vector<std::unique_ptr<Chunk>> chunks_;
    std::uint32_t end_slot_ = 0;  // one past the highest slot handed out
    std::vector<std::uint32_t> free_;
    std::unordered_map<Key, std::uint32_t, Hash> index_;
};

}  // namespace sstop::core
