#include "ikgen/name_index.hpp"

#include <algorithm>

namespace ikgen {

void NameIndex::add(std::string_view name, std::uint64_t size) {
  m_entries.push_back({m_names.size(), static_cast<std::uint32_t>(name.size()), size});
  m_names.append(name);
}

void NameIndex::seal() {
  // A listing comes sorted already; a stable sort keeps the last of two equal names last.
  const auto less = [this](const Entry& a, const Entry& b) { return name_of(a) < name_of(b); };
  if (!std::is_sorted(m_entries.begin(), m_entries.end(), less)) {
    std::stable_sort(m_entries.begin(), m_entries.end(), less);
  }
  std::vector<Entry> unique;
  unique.reserve(m_entries.size());
  for (const Entry& entry : m_entries) {
    if (!unique.empty() && name_of(unique.back()) == name_of(entry)) unique.back() = entry;
    else unique.push_back(entry);
  }
  m_entries = std::move(unique);
  m_entries.shrink_to_fit();
  m_names.shrink_to_fit();
}

std::optional<std::uint64_t> NameIndex::find(std::string_view name) const {
  if (!m_changes.empty()) {
    const auto changed = m_changes.find(std::string(name));
    if (changed != m_changes.end()) return changed->second;
  }
  const auto found = std::lower_bound(m_entries.begin(), m_entries.end(), name,
                                      [this](const Entry& entry, std::string_view key) { return name_of(entry) < key; });
  if (found == m_entries.end() || name_of(*found) != name) return std::nullopt;
  return found->size;
}

void NameIndex::set(std::string_view name, std::uint64_t size) {
  m_changes[std::string(name)] = size;
  compact_if_large();
}

void NameIndex::erase(std::string_view name) {
  m_changes[std::string(name)] = std::nullopt;
  compact_if_large();
}

void NameIndex::take_listing(NameIndex&& listing) {
  m_names = std::move(listing.m_names);
  m_entries = std::move(listing.m_entries);
  for (auto& [name, size] : listing.m_changes) m_changes.emplace(name, size);
  m_listed = true;
  compact_if_large();
}

void NameIndex::compact_if_large() {
  // Before the listing is taken, the changes must stay apart: they go on top of it.
  if (!m_listed || m_changes.size() < std::max<std::size_t>(4096, m_entries.size() / 8)) return;
  NameIndex merged;
  for (const Entry& entry : m_entries) {
    if (!m_changes.count(std::string(name_of(entry)))) merged.add(name_of(entry), entry.size);
  }
  for (const auto& [name, size] : m_changes) {
    if (size) merged.add(name, *size);
  }
  merged.seal();
  m_names = std::move(merged.m_names);
  m_entries = std::move(merged.m_entries);
  m_changes.clear();
}

} // namespace ikgen
