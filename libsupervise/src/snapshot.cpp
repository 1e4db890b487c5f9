// snapshot.cpp — snapshot(): which engines hold a subtree, asking each of
// them (in place or by message), and merging their answers into one list.
#include "supervise/names.hpp"

#include <algorithm>
#include <memory>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include "engine/spawn.hpp"
#include "name_table.hpp"

namespace supervise {

namespace {

using detail::name_table;

bool at_or_below(const std::string& dn, const std::string& root) {
  return dn.size() >= root.size() && dn.compare(0, root.size(), root) == 0
         && (dn.size() == root.size() || dn[root.size()] == '.');
}

int dots(const std::string& dn) {
  return static_cast<int>(std::count(dn.begin(), dn.end(), '.'));
}

// One engine to ask, and its answer.
struct part {
  std::string top;
  name_table::engine_entry engine;
  std::vector<node_info> nodes;
};

// The engines holding nodes at or below `root`, the owner of `root` itself
// first, then the others from the shallowest down (each after the one that
// hosts it). The owner is the engine with the deepest top strictly above
// `root` (for a hosted supervisor's own DN, the parent that restarts it),
// else the one whose top is `root` (a tree, a standalone supervisor).
std::vector<part> plan(name_table& t, const std::string& root) {
  std::vector<part> out;
  std::lock_guard<std::mutex> guard{t.mtx};
  const std::string* owner = nullptr;
  for (auto& [top, xs] : t.engines)
    if (top != root && at_or_below(root, top) && (!owner || top.size() > owner->size()))
      owner = &top;
  if (owner) // the deepest of those listed there: a supervisor hosted by a tree's root
    out.push_back({*owner, t.engines[*owner].back(), {}});
  for (auto& [top, xs] : t.engines)
    if (at_or_below(top, root))
      for (auto& x : xs)
        out.push_back({top, x, {}});
  std::stable_sort(out.begin() + (owner ? 1 : 0), out.end(),
                   [](const part& a, const part& b) { return dots(a.top) < dots(b.top); });
  return out;
}

// The answers as one depth-first list: a supervisor's nodes go right after
// the node that hosts it, which takes its accounting from the supervisor's
// own top node.
std::vector<node_info> merge(std::vector<part>& parts, const std::string& root) {
  std::vector<node_info> out;
  for (auto& p : parts) {
    if (p.nodes.empty())
      continue;
    auto host = std::find_if(out.begin(), out.end(),
                             [&](const node_info& x) { return x.dn == p.top; });
    if (host == out.end()) { // the owner, or a host that left no answer
      auto from = p.nodes.begin() + (p.nodes.front().depth == detail::unlisted_top ? 1 : 0);
      std::move(from, p.nodes.end(), std::back_inserter(out));
      continue;
    }
    auto from = p.nodes.begin();
    if (from->dn == p.top) {
      host->accounting = std::move(from->accounting);
      ++from;
    }
    out.insert(host + 1, std::make_move_iterator(from), std::make_move_iterator(p.nodes.end()));
  }
  auto base = dots(root);
  for (auto& x : out)
    x.depth = dots(x.dn) - base;
  return out;
}

bool manual_scheduler(caf::actor_system& sys) {
  return dynamic_cast<caf::scheduler::test_coordinator*>(&sys.scheduler()) != nullptr;
}

} // namespace

std::vector<node_info> snapshot(caf::actor_system& sys, const std::string& root_dn,
                                std::chrono::nanoseconds bound) {
  auto parts = plan(*name_table::of(sys), root_dn);
  bool in_place = manual_scheduler(sys); // nothing else runs while we do
  std::unique_ptr<caf::scoped_actor> self;
  for (auto& p : parts) {
    // On a test coordinator, and for the engine whose hook calls us (it
    // waits for us): on this thread.
    if (in_place
        || caf::actor_cast<caf::abstract_actor*>(p.engine.actor) == detail::engine_in_hook()) {
      if (p.engine.describe)
        p.nodes = p.engine.describe(root_dn);
      continue;
    }
    if (!self)
      self = std::make_unique<caf::scoped_actor>(sys, true);
    (*self)
      ->request(p.engine.actor, caf::duration{bound}, detail::snapshot_atom::value, root_dn)
      .receive([&](std::vector<node_info>& xs) { p.nodes = std::move(xs); },
               [](const caf::error&) { /* ended meanwhile, or too slow: left out */ });
  }
  return merge(parts, root_dn);
}

void snapshot(caf::event_based_actor* self, const std::string& root_dn,
              std::function<void(std::vector<node_info>)> done, std::chrono::nanoseconds bound) {
  struct gather {
    std::vector<part> parts;
    size_t waiting = 0;
    std::string root;
    std::function<void(std::vector<node_info>)> done;
    void one_more() {
      if (--waiting == 0)
        done(merge(parts, root));
    }
  };
  auto g = std::make_shared<gather>();
  g->parts = plan(*name_table::of(self->system()), root_dn);
  g->root = root_dn;
  g->done = std::move(done);
  g->waiting = g->parts.size();
  if (g->parts.empty()) {
    g->done({});
    return;
  }
  for (size_t i = 0; i < g->parts.size(); ++i)
    self->request(g->parts[i].engine.actor, caf::duration{bound}, detail::snapshot_atom::value,
                  root_dn)
      .then(
        [g, i](std::vector<node_info>& xs) {
          g->parts[i].nodes = std::move(xs);
          g->one_more();
        },
        [g](const caf::error&) { g->one_more(); });
}

} // namespace supervise
