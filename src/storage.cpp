#include "ikgen/storage.hpp"

#include <algorithm>

#include <fstream>
#include <sys/stat.h>

#include "ikgen/atomic_write.hpp"
#include "ikgen/containment.hpp"

namespace ikgen {

LocalStorage::LocalStorage(std::filesystem::path root) : m_root(std::move(root)) {
  std::error_code error;
  m_canonical_root = std::filesystem::canonical(m_root, error);
  if (error) m_canonical_root = m_root;
}

FileStat LocalStorage::stat(const std::string& name) {
  ++m_counters.stats;
  struct stat info {};
  if (::stat((m_root / name).c_str(), &info) != 0) return {};
  return {true, S_ISREG(info.st_mode), S_ISDIR(info.st_mode), static_cast<std::uint64_t>(info.st_size)};
}

std::string LocalStorage::read_prefix(const std::string& name, std::size_t limit) {
  ++m_counters.reads;
  std::ifstream in(m_root / name, std::ios::binary | std::ios::ate);
  if (!in) return {};
  // Sized by the file, not by the limit: outputs are often a few hundred bytes.
  const std::streamoff size = in.tellg();
  in.seekg(0);
  std::string bytes(static_cast<std::size_t>(std::min<std::streamoff>(std::max<std::streamoff>(size, 0), static_cast<std::streamoff>(limit))), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

std::pair<std::string, std::string> LocalStorage::read_ends(const std::string& name, std::size_t head_limit,
                                                           std::size_t tail_limit) {
  ++m_counters.reads;
  std::ifstream in(m_root / name, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const std::streamoff size = std::max<std::streamoff>(in.tellg(), 0);
  const auto read_at = [&](std::streamoff from, std::streamoff count) {
    std::string bytes(static_cast<std::size_t>(count), '\0');
    in.seekg(from);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    in.clear();
    return bytes;
  };
  std::string head = read_at(0, std::min<std::streamoff>(size, static_cast<std::streamoff>(head_limit)));
  const std::streamoff tail_count = std::min<std::streamoff>(size, static_cast<std::streamoff>(tail_limit));
  std::string tail = read_at(size - tail_count, tail_count);
  return {std::move(head), std::move(tail)};
}

std::string LocalStorage::write(const std::string& name, std::span<const unsigned char> bytes) {
  ++m_counters.writes;
  const std::filesystem::path path = m_root / name;
  // A symbolic link planted inside the cache directory must not redirect a write elsewhere.
  if (!resolves_within(m_canonical_root, path.parent_path())) {
    return "refusing to write " + name + ": its directory resolves outside storage.root";
  }
  return write_file_atomically(path, bytes);
}

std::string LocalStorage::remove(const std::string& name) {
  ++m_counters.removes;
  const std::filesystem::path path = m_root / name;
  if (!resolves_within(m_canonical_root, path.parent_path())) {
    return "refusing to remove " + name + ": its directory resolves outside storage.root";
  }
  std::error_code error;
  std::filesystem::remove(path, error);
  return error ? "cannot remove " + name + ": " + error.message() : std::string();
}

} // namespace ikgen
