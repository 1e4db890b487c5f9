// engine/child_kind.cpp — the tree node and service kinds of child.
#include "engine/child_kind.hpp"

#include <random>

#include <caf/all.hpp>

#include "engine/engine.hpp"

namespace supervise::detail::core {

namespace {

// Monogon: per-node backoff after a failure, run_group siblings go down with
// a failed member, children start at once.
class tree_node_kind final : public child_kind {
public:
  child_rules rules(const engine&, const node&) const override { return {}; }

  void take_down(engine& e, node& n, bool group) const override {
    cancel(e, n);
    if (group)
      cancel_group(e, n);
  }

  void restart(engine& e, node& n) const override {
    if (!n.backoff_pending) {
      start(e, n);
      return;
    }
    n.backoff_pending = false;
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    auto delay = n.tree.get().delays.next(e.opts.backoff, uniform(e.rng));
    if (delay.count() == 0) {
      start(e, n);
      return;
    }
    logger{n.dn, e.opts.sink}.info("restarting after backoff of {} ms",
                                   std::chrono::duration_cast<std::chrono::milliseconds>(delay)
                                     .count());
    n.run = run_state::waiting;
    auto timer = n.tree.get().timer = e.next_timer++;
    e.histories[n.id].restart_at = now(e) + delay;
    e.self->delayed_send(e.self, delay, start_atom::value, n.id, timer);
  }

  shutdown_spec shutdown(const engine& e, const node&) const override {
    return shutdown_spec::after(e.opts.stop_timeout);
  }
};

// OTP and suture: the supervisor's strategy, its start queue and its pause.
class service_kind final : public child_kind {
public:
  child_rules rules(const engine& e, const node& n) const override {
    auto& sp = e.reg->sp;
    child_rules r;
    r.role = child_role::service;
    r.restart = n.entry->restart;
    r.significant = n.entry->significant;
    r.strategy = sp.strategy;
    r.shutdown_when = sp.shutdown_when;
    r.failure_decay = sp.failure_decay;
    r.failure_threshold = sp.failure_threshold;
    return r;
  }

  void take_down(engine& e, node& n, bool) const override {
    apply_strategy(e, n); // the strategy says who goes with it
  }

  void restart(engine& e, node& n) const override {
    if (!e.counters.paused) {
      enqueue_start(e, n);
      return;
    }
    // During the supervisor's pause: queued until it resumes.
    n.run = run_state::waiting;
    e.resume_queue.push_back(n.id);
    set_state(e, n, node_state::new_);
  }

  shutdown_spec shutdown(const engine&, const node& n) const override {
    return n.entry->shutdown();
  }
};

const tree_node_kind tree_node_rules;
const service_kind service_rules;

} // namespace

const child_kind& kind_of(const node& n) noexcept {
  if (n.entry)
    return service_rules;
  return tree_node_rules;
}

} // namespace supervise::detail::core
