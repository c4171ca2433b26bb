// Objects shared by name between the threads of one process: serve()'s
// workers open the cluster's cache, statistics, flag store and release table
// by name. Every access holds the registry's mutex (never on the hot path:
// only when a handle is opened). Names are never removed, and each registry
// is leaked on purpose, so that no static destructor frees an object that a
// worker thread still uses while the process exits.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace griddle {

template <class T>
struct NamedRegistry {
  std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<T>> map;

  static NamedRegistry& instance() {
    static auto* r = new NamedRegistry;
    return *r;
  }
};

// The object of type T named `name`, made by make() on its first use.
template <class T, class Make>
std::shared_ptr<T> named(const std::string& name, Make make) {
  auto& r = NamedRegistry<T>::instance();
  std::lock_guard<std::mutex> lock(r.mu);
  auto& slot = r.map[name];
  if (!slot) slot = make();
  return slot;
}

}  // namespace griddle
