#include "model/topological_order.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace atrous::expansion {

std::vector<size_t> topological_order(const std::vector<PendingLayer>& layers) {
  const size_t n = layers.size();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) index[layers[i].name] = i;
  std::vector<std::vector<size_t>> users(n);
  std::vector<size_t> pending(n, 0);
  for (size_t i = 0; i < n; ++i)
    for (const auto& in : layers[i].inputs)
      if (in != "input") {
        users[index.at(in)].push_back(i);
        ++pending[i];
      }
  // Kahn's algorithm, always taking the earliest written layer that is ready, so
  // the order is the written one whenever that is already valid.
  std::set<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.insert(i);
  std::vector<size_t> order;
  while (!ready.empty()) {
    const size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (size_t u : users[i])
      if (--pending[u] == 0) ready.insert(u);
  }
  if (order.size() == n) return order;
  // A cycle: walk backwards through inputs that are still pending until a layer repeats.
  size_t cur = n;
  for (size_t i = 0; i < n && cur == n; ++i)
    if (pending[i] > 0) cur = i;
  std::vector<size_t> path;
  while (std::find(path.begin(), path.end(), cur) == path.end()) {
    path.push_back(cur);
    for (const auto& in : layers[cur].inputs)
      if (in != "input" && pending[index.at(in)] > 0) {
        cur = index.at(in);
        break;
      }
  }
  path.erase(path.begin(), std::find(path.begin(), path.end(), cur));
  // Walking inputs went against the data flow; report it along the flow, from `cur`.
  std::reverse(path.begin(), path.end());
  std::rotate(path.begin(), std::find(path.begin(), path.end(), cur), path.end());
  std::string chain;
  for (size_t i : path) chain += layers[i].name + " -> ";
  chain += layers[path.front()].name;
  const PendingLayer& first = layers[path.front()];
  fail_at(first.origin.where("from"),
          fmt::format("layers form a cycle: {} (each feeds the next)", chain) + first.origin.context());
}

}  // namespace atrous::expansion
