#ifndef EQUILINK_TESTS_TESTING_TEMP_DIR_H_
#define EQUILINK_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace equilink::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on
// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Reads a whole file; empty string when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);
// Writes a whole file (mode 0644); aborts the test binary if it cannot.
void WriteFileOrDie(const std::string& path, const std::string& contents);

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_TESTING_TEMP_DIR_H_
