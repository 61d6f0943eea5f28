#include "ikgen/atomic_write.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <unistd.h>

namespace ikgen {
namespace {

// `.ikgen-tmp-<pid>-<counter>-<8 hex>`, at most 51 bytes whatever the final name's length (a
// final name of up to NAME_MAX bytes must still have a temporary name that fits). The pid and
// counter keep names unique on one host; the random part, drawn once per process, keeps them
// apart between hosts that share the directory (NFS) and may reuse a pid.
std::string temp_name() {
  static const std::uint32_t process_tag = [] {
    std::random_device device;
    return static_cast<std::uint32_t>(device());
  }();
  static std::atomic<unsigned long> counter{0};
  char tag[9];
  std::snprintf(tag, sizeof tag, "%08x", static_cast<unsigned>(process_tag));
  return std::string(k_temp_prefix) + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + tag;
}

} // namespace

Expected<void> write_file_atomically(const std::filesystem::path& path, std::span<const unsigned char> bytes) {
  std::error_code error;
  // A bare file name ("report.json") is in the current directory, which exists.
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  if (error) return fail("cannot create directory " + path.parent_path().string() + ": " + error.message());

  const std::filesystem::path temp = path.parent_path() / temp_name();
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot create " + temp.string() + ": " + std::strerror(errno));

  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(n < 0 ? errno : ENOSPC);
      ::close(fd);
      ::unlink(temp.c_str());
      return fail("cannot write " + path.string() + ": " + reason);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return fail("cannot write " + path.string() + ": " + reason);
  }
  // rename() is atomic within a directory: readers see the old state or the whole new file.
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return fail("cannot rename into " + path.string() + ": " + reason);
  }
  return {};
}

} // namespace ikgen
