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
//
// The index is open addressing over the slots themselves: a bucket is a slot number and 32
// bits of the key's hash (8 bytes, at most half the buckets used), not a heap node holding a
// second copy of the key (~120 bytes a socket in std::unordered_map). Linear probing; erase
// shifts the following entries back, so there are no tombstones.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
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

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    iterator begin() { return iterator(this, 0); }
    iterator end() { return iterator(this, end_slot_); }
    const_iterator begin() const { return const_iterator(this, 0); }
    const_iterator end() const { return const_iterator(this, end_slot_); }

    iterator find(const Key& key) {
        const std::size_t b = bucket_of(key, hash32(key));
        return b == kNone ? end() : iterator(this, buckets_[b].slot);
    }
    const_iterator find(const Key& key) const {
        const std::size_t b = bucket_of(key, hash32(key));
        return b == kNone ? end() : const_iterator(this, buckets_[b].slot);
    }

    /// Inserts `T(args...)` under `key` unless the key is present; as std::unordered_map's.
    template <class... Args>
    std::pair<iterator, bool> try_emplace(const Key& key, Args&&... args) {
        const std::uint32_t h = hash32(key);
        if (const std::size_t b = bucket_of(key, h); b != kNone) {
            return {iterator(this, buckets_[b].slot), false};
        }
        if (2 * (size_ + 1) > buckets_.size()) grow();
        const std::uint32_t slot = take_slot();
        try {
            ::new (raw(slot)) value_type(std::piecewise_construct, std::forward_as_tuple(key),
                                         std::forward_as_tuple(std::forward<Args>(args)...));
        } catch (...) {
            give_back(slot);
            throw;
        }
        mark(slot, true);
        std::size_t b = h & mask();
        while (buckets_[b].slot != kEmpty) b = (b + 1) & mask();
        buckets_[b] = Bucket{slot, h};
        ++size_;
        return {iterator(this, slot), true};
    }

    /// Erases the entry at `pos`; returns the iterator to the next one.
    iterator erase(iterator pos) {
        const std::uint32_t slot = pos.slot();
        unindex(bucket_of(at(slot)->first, hash32(at(slot)->first)));
        release(slot);
        return iterator(this, slot + 1);
    }

    std::size_t erase(const Key& key) {
        const std::size_t b = bucket_of(key, hash32(key));
        if (b == kNone) return 0;
        const std::uint32_t slot = buckets_[b].slot;
        unindex(b);
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
        std::fill(buckets_.begin(), buckets_.end(), Bucket{});
        size_ = 0;
        free_.clear();
        end_slot_ = 0;
    }

  private:
    static constexpr std::uint32_t kChunk = 256;  // slots per chunk
    static constexpr std::uint32_t kEmpty = ~std::uint32_t{0};
    static constexpr std::size_t kNone = ~std::size_t{0};

    struct Bucket {
        std::uint32_t slot = kEmpty;
        std::uint32_t hash = 0;  // low 32 bits of the key's hash: its home bucket
    };

    static std::uint32_t hash32(const Key& key) { return static_cast<std::uint32_t>(Hash{}(key)); }
    std::size_t mask() const { return buckets_.size() - 1; }

    // The bucket holding `key`, or kNone.
    std::size_t bucket_of(const Key& key, std::uint32_t h) const {
        if (buckets_.empty()) return kNone;
        for (std::size_t b = h & mask();; b = (b + 1) & mask()) {
            const Bucket& x = buckets_[b];
            if (x.slot == kEmpty) return kNone;
            if (x.hash == h && at(x.slot)->first == key) return b;
        }
    }

    // Empties bucket `b` and shifts back the entries after it that probed past it.
    void unindex(std::size_t b) {
        std::size_t hole = b;
        for (std::size_t j = (b + 1) & mask(); buckets_[j].slot != kEmpty; j = (j + 1) & mask()) {
            const std::size_t home = buckets_[j].hash & mask();
            // Moves when its home is not in (hole, j], cyclically.
            const bool stays = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!stays) {
                buckets_[hole] = buckets_[j];
                hole = j;
            }
        }
        buckets_[hole] = Bucket{};
        --size_;
    }

    void grow() {
        std::vector<Bucket> old(std::max<std::size_t>(16, 2 * buckets_.size()));
        old.swap(buckets_);
        for (const Bucket& x : old) {
            if (x.slot == kEmpty) continue;
            std::size_t b = x.hash & mask();
            while (buckets_[b].slot != kEmpty) b = (b + 1) & mask();
            buckets_[b] = x;
        }
    }

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
        give_back(s);
    }

    // A slot taken but not (or no longer) holding an entry.
    void give_back(std::uint32_t s) {
        if (s + 1 == end_slot_) {
            --end_slot_;  // the walk stops earlier; trailing free slots are not listed
        } else {
            free_.push_back(s);
        }
    }

    std::vector<std::unique_ptr<Chunk>> chunks_;
    std::uint32_t end_slot_ = 0;  // one past the highest slot handed out
    std::vector<std::uint32_t> free_;
    std::vector<Bucket> buckets_;  // a power of two in size, at most half used
    std::size_t size_ = 0;
};

}  // namespace sstop::core
