// Stands in for libFuzzer's main when the project is built without it: runs
// LLVMFuzzerTestOneInput once over every regular file in the directories (or
// files) named on the command line, so ctest replays each seed corpus as a
// regression test. Exits non-zero when an argument cannot be read or names no
// input at all, so a mistyped corpus path cannot pass silently.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg, ec)) {
        if (!entry.is_regular_file(ec)) continue;
        ok = RunFile(entry.path()) && ok;
        ++runs;
      }
    } else {
      ok = RunFile(arg) && ok;
      ++runs;
    }
    if (ec) {
      std::fprintf(stderr, "replay: cannot list %s: %s\n", argv[i],
                   ec.message().c_str());
      ok = false;
    }
  }
  std::fprintf(stderr, "replay: ran %d inputs\n", runs);
  return ok && runs > 0 ? 0 : 1;
}
