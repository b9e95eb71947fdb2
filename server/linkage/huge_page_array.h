#ifndef EQUILINK_SERVER_LINKAGE_HUGE_PAGE_ARRAY_H_
#define EQUILINK_SERVER_LINKAGE_HUGE_PAGE_ARRAY_H_

// A fixed-size array of trivially copyable values in anonymous memory that
// the kernel is asked to back with 2 MiB pages (madvise MADV_HUGEPAGE; the
// default "madvise" setting of transparent huge pages grants it).
//
// Why: the linkage engine reads a hundred candidates per new record from
// arrays of hundreds of megabytes, each from a different 4 KiB page. Every
// such read missed the TLB as well as the cache, and in a virtual machine a
// TLB miss is a two-dimensional page walk; software prefetches did not hide
// it. With 2 MiB pages the whole table is a few hundred TLB entries.
// Where huge pages are not granted the array still works, on small pages.

#include <sys/mman.h>

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace equilink::linkage {

template <typename T>
class HugePageArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  HugePageArray() = default;
  // `count` zero-filled values (fresh anonymous memory is zero).
  explicit HugePageArray(size_t count) : count_(count) {
    if (count == 0) return;
    // Arrays under a huge page stay on small pages: a huge page each would
    // waste most of it.
    const size_t wanted = count * sizeof(T);
    const bool huge = wanted >= kHugePage;
    const size_t unit = huge ? kHugePage : kSmallPage;
    bytes_ = (wanted + unit - 1) / unit * unit;
    void* memory = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::bad_alloc();
    // Advice only: refused (THP off), the memory stays on small pages.
    if (huge) (void)madvise(memory, bytes_, MADV_HUGEPAGE);
    data_ = static_cast<T*>(memory);
  }
  ~HugePageArray() { Release(); }
  HugePageArray(const HugePageArray&) = delete;
  HugePageArray& operator=(const HugePageArray&) = delete;
  HugePageArray(HugePageArray&& other) noexcept { *this = std::move(other); }
  HugePageArray& operator=(HugePageArray&& other) noexcept {
    if (this != &other) {
      Release();
      data_ = std::exchange(other.data_, nullptr);
      count_ = std::exchange(other.count_, 0);
      bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return count_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  static constexpr size_t kHugePage = size_t{2} << 20;
  static constexpr size_t kSmallPage = 4096;

  void Release() {
    if (data_ != nullptr) munmap(data_, bytes_);
    data_ = nullptr;
    count_ = 0;
    bytes_ = 0;
  }

  T* data_ = nullptr;
  size_t count_ = 0;
  size_t bytes_ = 0;
};

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_HUGE_PAGE_ARRAY_H_
