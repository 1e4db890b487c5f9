// Trees the simulation tests run: small, event-based, each node signalling
// healthy in its init, as a service would once its resources are ready.
#pragma once

#include <memory>
#include <string>

#include <caf/all.hpp>

#include "supervise/context.hpp"
#include "supervise/supervisor.hpp"

namespace sim_trees {

using namespace supervise;

// A leaf: healthy at once, then it waits for messages.
inline runnable leaf() {
  return runnable::event_based([](caf::event_based_actor*, context& ctx) -> caf::behavior {
    signal(ctx, signal_type::healthy);
    return {[](int x) { return x; }};
  });
}

// A node running `children` (one run() each) and then healthy.
inline runnable parent_of(std::vector<std::pair<std::string, runnable>> children) {
  return runnable::event_based(
    [children](caf::event_based_actor*, context& ctx) -> caf::behavior {
      for (auto& [name, r] : children)
        run(ctx, name, r);
      signal(ctx, signal_type::healthy);
      return {[](int x) { return x; }};
    });
}

// A node running one group of `members` and then healthy.
inline runnable group_of(child_list members) {
  return runnable::event_based([members](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run_group(ctx, members);
    signal(ctx, signal_type::healthy);
    return {[](int x) { return x; }};
  });
}

// root -> {api -> {db, cache}, jobs = group {reader, writer}, metrics}
inline runnable service_tree() {
  return parent_of({{"api", parent_of({{"db", leaf()}, {"cache", leaf()}})},
                    {"jobs", group_of({{"reader", leaf()}, {"writer", leaf()}})},
                    {"metrics", leaf()}});
}

// A tree of about `n` nodes: root with `n / 10` parents of 9 leaves each.
inline runnable wide_tree(size_t n) {
  std::vector<std::pair<std::string, runnable>> parents;
  for (size_t p = 0; p < n / 10; ++p) {
    std::vector<std::pair<std::string, runnable>> leaves;
    for (int l = 0; l < 9; ++l)
      leaves.emplace_back("l" + std::to_string(l), leaf());
    parents.emplace_back("p" + std::to_string(p), parent_of(std::move(leaves)));
  }
  return parent_of(std::move(parents));
}

// An OTP supervisor "app" with `strategy`, three workers and a nested
// one_for_one supervisor "pool" of two, on `sys`.
inline runnable otp_app(caf::actor_system& sys, strategy st) {
  spec sp;
  sp.strategy = st;
  sp.restart_intensity = intensity{3, std::chrono::seconds(5)};
  auto app = std::make_shared<supervisor>(sys, "app", sp);
  spec pool_spec;
  pool_spec.failure_threshold = 2;
  pool_spec.failure_decay = std::chrono::seconds(10);
  pool_spec.failure_backoff = std::chrono::seconds(3);
  auto pool = std::make_shared<supervisor>(sys, "pool", pool_spec);
  pool->add("p1", leaf());
  pool->add("p2", leaf());
  app->add("w1", leaf());
  app->add("w2", leaf());
  app->add("pool", pool->as_runnable());
  app->add("w3", leaf());
  return app->as_runnable();
}

} // namespace sim_trees
