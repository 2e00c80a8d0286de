#pragma once
// Fixed-capacity history of the last N values (sparklines).

#include <cstddef>
#include <utility>
#include <vector>

namespace sstop::core {

/// Keeps the last `capacity` values pushed; a push when full overwrites the oldest.
/// Storage grows on demand up to the capacity, so an idle entry costs no buffer.
template <class T>
class HistoryRing {
  public:
    /// A ring of `capacity` values; capacity 0 keeps nothing.
    explicit HistoryRing(std::size_t capacity = 0) : capacity_(capacity) {}

    /// Appends `value`, dropping the oldest when full.
    void push(T value) {
        if (capacity_ == 0) {
            return;
        }
        if (buffer_.size() < capacity_) {
            buffer_.push_back(std::move(value));
            return;
        }
        buffer_[head_] = std::move(value);
        head_ = (head_ + 1) % capacity_;
    }

    /// The stored values, oldest first.
    std::vector<T> values() const {
        std::vector<T> out;
        out.reserve(buffer_.size());
        for (std::size_t i = 0; i < buffer_.size(); ++i) {
            out.push_back(buffer_[(head_ + i) % buffer_.size()]);
        }
        return out;
    }

    /// Number of values stored (at most the capacity).
    std::size_t size() const noexcept { return buffer_.size(); }
    /// Maximum number of values kept.
    std::size_t capacity() const noexcept { return capacity_; }
    /// True when nothing was pushed yet.
    bool empty() const noexcept { return buffer_.empty(); }
    /// Forgets every value; the capacity stays.
    void clear() noexcept {
        buffer_.clear();
        head_ = 0;
    }

  private:
    std::size_t capacity_;
    std::size_t head_ = 0;  // index of the oldest value once the buffer is full
    std::vector<T> buffer_;
};

}  // namespace sstop::core
