// simulation/world.cpp — see world.hpp.
#include "simulation/world.hpp"

#include <cmath>
#include <unordered_map>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "duration_text.hpp"
#include "engine/spawn.hpp"
#include "event_runnable_actor.hpp"
#include "incarnation.hpp"
#include "simulation/probe_handle.hpp"
#include "simulation/stepping.hpp"
#include "simulation/substitute_bodies.hpp"
#include "supervise/errc.hpp"
#include "supervise/simulation_environment.hpp"

namespace supervise::simulation::detail {

namespace {

using coordinator = caf::scheduler::test_coordinator;
using supervise::detail::duration_text;

struct sim_config : caf::actor_system_config {
  sim_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.inline-output", true);
  }
};

class world final : public supervise::detail::engine_probe, public run_view {
public:
  world(const options& opts, fault_source& faults, uint64_t seed, run_settings st)
    : opts_(opts), faults_(faults), seed_(seed), st_(st),
      checker_(opts.tree.backoff, opts.skip),
      env_(opts.environment ? opts.environment() : nullptr), sys_(configured()),
      sched_(dynamic_cast<coordinator&>(sys_.scheduler())),
      stepping_(sched_, opts.interleave, seed_mix(seed ^ 0x0d), env_.get()) {}

  ~world() override {
    if (probe_)
      probe_->detach();
    env_.reset(); // its actor handles go while the system still exists
  }

  // -- run_view ------------------------------------------------------------------

  caf::timespan now() const override { return stepping_.now(); }
  const std::vector<std::string>& log() const override { return log_; }
  std::vector<node_info> snapshot() const override {
    return supervise::snapshot(sys_, opts_.root_name);
  }
  caf::actor_system& system() const override { return sys_; }

  // -- the probe -------------------------------------------------------------------

  caf::actor spawn(caf::event_based_actor* self, const runnable& body,
                   std::shared_ptr<supervise::detail::incarnation> inc, const spec* sp) override {
    auto dn = inc->dn;
    auto number = inc->number;
    // A blocking runnable runs in lockstep with the simulated clock.
    runnable b = body.is_blocking() ? lockstep_blocking(body) : body;
    if (auto i = armed_.find(dn); i != armed_.end()) {
      auto kind = i->second;
      armed_.erase(i);
      note(dn + " incarnation " + std::to_string(number)
           + (kind == fault_kind::slow_start ? " starts slowly" : " fails its start"));
      b = kind == fault_kind::slow_start
            ? delayed_init(b, opts_.slow_start, inc)
            : failing_init(caf::make_error(caf::sec::runtime_error, "simulated start failure"));
    }
    auto handle = supervise::detail::spawn_child(self, b, std::move(inc));
    auto id = handle.id();
    auto entry = dns_.try_emplace(dn).first;
    if (!entry->second.known) { // first seen: does it match the targets?
      entry->second.known = true;
      for (auto& p : opts_.targets)
        entry->second.targeted = entry->second.targeted || matches(p, dn);
    }
    entry->second.current = id;
    ++entry->second.live;
    auto& r = actors_[id];
    r.dn = dn;
    r.where = &entry->second;
    r.addr = handle.address();
    r.blocking = body.is_blocking();
    handle->attach_functor([this, id](const caf::error&) { died(id); });
    checker_.spawned(dn, number, sp, self->id(), now());
    return handle;
  }

  void exited(caf::down_msg& msg) override {
    auto i = actors_.find(msg.source.id());
    if (i != actors_.end() && i->second.forced)
      msg.reason = *i->second.forced;
  }

  bool delivers(const caf::actor& child, caf::exit_reason reason) override {
    auto i = actors_.find(child.id());
    if (i == actors_.end())
      return true;
    auto& r = i->second;
    if (reason == caf::exit_reason::kill) {
      if (!r.unkillable)
        return true;
      note(r.dn + " does not react to its kill (its handler never returns)");
      return false;
    }
    if (r.hang || r.unkillable) {
      note(r.dn + " ignores its stop request");
      return false;
    }
    if (r.blocking) // its stop flag is set: end its wait now
      caf::anon_send<caf::message_priority::high>(child, sim_stop_atom::value);
    return true;
  }

  void observe(const event& ev) override {
    ++events_;
    if (st_.logging)
      note(to_string(ev));
    checker_.event(ev, now());
  }

  void state(const std::string& dn, node_state s) override {
    if (st_.logging)
      note(dn + " " + std::string{to_string(s)});
    checker_.state(dn, s, now());
  }

  uint64_t engine_seed() override { return seed_mix(seed_ + 0x1000 + ++engines_) | 1; }

  // -- the run -------------------------------------------------------------------------

  run_result run(const tree_factory& tree) {
    run_result out;
    out.seed = seed_;
    if (start(tree)) {
      loop();
      if (env_)
        env_->stop();
      stop_tree();
      if (env_)
        env_->end();
      // What the engines gave up on (ignoring its kill), or a tree that did
      // not stop, ends now: the actor system cannot shut down before.
      for (auto& [id, r] : actors_)
        if (r.alive)
          if (auto h = caf::actor_cast<caf::actor>(r.addr))
            caf::anon_send_exit(h, caf::exit_reason::kill);
      caf::anon_send_exit(engine_, caf::exit_reason::kill);
      settle();
    }
    out.faults = std::move(applied_);
    out.log = std::move(log_);
    out.broken = checker_.broken();
    out.steps = steps_;
    out.events = events_;
    out.setup = setup_;
    return out;
  }

private:
  struct dn_entry {
    uint64_t current = 0;   // its newest actor
    int live = 0;           // its actors alive
    bool known = false;     // `targeted` was computed
    bool targeted = false;  // it matches options::targets
  };
  struct actor_record {
    std::string dn;
    dn_entry* where = nullptr; // its DN's entry (map nodes do not move)
    caf::actor_addr addr;
    bool blocking = false;   // a blocking runnable, stepped in lockstep
    bool alive = true;
    bool hang = false;       // swallows stop requests
    bool unkillable = false; // swallows stop requests and kills
    std::optional<caf::error> forced; // the reason its planted fault ends it with
  };

  void note(std::string text) {
    if (st_.logging)
      log_.push_back("t=" + duration_text(now()) + " " + std::move(text));
  }

  bool stopping_over() const { return checker_.broken() || setup_; }

  void settle() { stepping_.settle(); }

  caf::actor_system_config& configured() {
    if (env_)
      env_->configure(cfg_);
    return cfg_;
  }

  bool start(const tree_factory& tree) {
    runnable root;
    try {
      if (env_)
        env_->start(sys_);
      root = tree(sys_);
    } catch (const std::exception& e) {
      setup_ = make_error(errc::invalid_option, std::string{"simulation: the tree factory threw: "} + e.what());
      return false;
    }
    if (!root) {
      setup_ = make_error(errc::invalid_option, "simulation: the tree factory returned an empty runnable");
      return false;
    }
    auto topts = opts_.tree;
    topts.seed = seed_mix(seed_) | 1;
    if (!topts.sink) // thousands of faults: no lines unless asked for
      topts.sink = [](log_level, std::string_view, std::string_view) {};
    probe_ = std::make_shared<probe_handle>(this);
    shared_ = std::make_shared<supervise::detail::tree_shared>();
    engine_ = supervise::detail::spawn_tree_engine(sys_, std::move(root), std::move(topts),
                                                   shared_, {probe_, opts_.root_name});
    engine_->attach_functor([this, id = engine_.id()](const caf::error&) { checker_.engine_ended(id); });
    settle();
    after_step();
    return true;
  }

  void died(uint64_t id) {
    auto i = actors_.find(id);
    if (i == actors_.end())
      return;
    i->second.alive = false;
    --i->second.where->live;
    checker_.died(i->second.dn, id, now());
  }

  void loop() {
    caf::timespan last_fault{0};
    while (!stopping_over()) {
      auto fault_at = faults_.next_at();
      auto timer_at = stepping_.next_timer();
      if (!fault_at && (!timer_at || *timer_at > last_fault + opts_.tail))
        return; // quiet, or the tail is over
      if (shared_->finished) {
        note("the tree ended: " + render(shared_->final_error));
        return;
      }
      if (fault_at && (!timer_at || *fault_at <= *timer_at)) {
        stepping_.move_to(*fault_at);
        last_fault = *fault_at;
        apply(faults_.take());
      } else {
        stepping_.advance_to(*timer_at);
      }
      settle();
      after_step();
    }
  }

  // Stops the tree, checking the stop's bound unless the run failed already.
  void stop_tree() {
    bool checked = !stopping_over();
    auto asked = now();
    if (!shared_->finished)
      caf::anon_send<caf::message_priority::high>(engine_, supervise::detail::stop_atom::value);
    settle();
    after_step();
    for (size_t k = 0; !shared_->finished && k < 100000; ++k) {
      auto timer_at = stepping_.next_timer();
      if (!timer_at)
        break;
      stepping_.advance_to(*timer_at);
      settle();
      after_step();
    }
    if (!checked || stopping_over())
      return;
    auto bound = opts_.tree.stop_timeout + supervise::detail::kill_grace;
    if (!shared_->finished)
      checker_.fail("stop_bound", "", "the tree did not stop and nothing is pending", now());
    else
      checker_.stopped(asked, now(), bound);
  }

  // Whether `kind` may hit the live node `d`: a node that runs a hosted
  // supervisor runs the library's code, which only a kill (or a failed
  // start) reaches; one stuck in a handler is reached by nothing.
  bool fits(fault_kind kind, const dn_entry& d) {
    auto& r = actors_[d.current];
    bool exits = kind != fault_kind::hang_on_stop && kind != fault_kind::unkillable
                 && kind != fault_kind::slow_start && kind != fault_kind::fail_start;
    if (exits && r.unkillable)
      return false;
    if (checker_.is_engine(d.current))
      return kind == fault_kind::kill || kind == fault_kind::fail_start;
    return true;
  }

  // A fault of the environment's nodes: drawn among its targets.
  void apply_to_node(fault f) {
    if (f.target.empty() && faults_.draws_targets() && env_) {
      auto nodes = env_->targets(f.kind);
      if (!nodes.empty())
        f.target = nodes[faults_.target(nodes.size())];
    }
    applied_.push_back(f);
    if (f.target.empty())
      return;
    note("fault " + std::string{to_string(f.kind)} + " -> " + f.target);
    if (!env_) {
      note(f.target + ": no environment hosts nodes: no effect");
      return;
    }
    if (auto said = env_->apply(f); !said.empty())
      note(said);
  }

  void apply(fault f) {
    if (is_node_fault(f.kind)) {
      apply_to_node(std::move(f));
      return;
    }
    if (f.target.empty() && faults_.draws_targets()) { // drawn among the live targets, in DN order
      candidates_.clear();
      for (auto& [dn, d] : dns_)
        if (d.live > 0 && d.targeted && fits(f.kind, d))
          candidates_.push_back(&dn);
      // None: kept without a target, so that a replay moves its clock alike.
      if (!candidates_.empty())
        f.target = *candidates_[faults_.target(candidates_.size())];
    }
    applied_.push_back(f);
    if (f.target.empty())
      return; // a draw that found no target: it moved the clock only
    note("fault " + std::string{to_string(f.kind)} + " -> " + f.target);
    if (f.kind == fault_kind::slow_start || f.kind == fault_kind::fail_start) {
      armed_[f.target] = f.kind;
      return;
    }
    auto cur = dns_.find(f.target);
    if (cur == dns_.end() || cur->second.live == 0 || !actors_[cur->second.current].alive) {
      note(f.target + " is not running: no effect");
      return;
    }
    auto& r = actors_[cur->second.current];
    if (f.kind == fault_kind::hang_on_stop || f.kind == fault_kind::unkillable) {
      (f.kind == fault_kind::hang_on_stop ? r.hang : r.unkillable) = true;
      return;
    }
    if (r.unkillable) {
      note(f.target + " is stuck in a handler: no effect");
      return;
    }
    if (r.blocking && f.kind == fault_kind::kill) {
      note(f.target + " is a blocking runnable: a kill does not reach it");
      return;
    }
    if (f.kind != fault_kind::kill)
      r.forced = exit_reason_of(f.kind);
    if (auto h = caf::actor_cast<caf::actor>(r.addr))
      caf::anon_send<caf::message_priority::high>(h, caf::exit_msg{h.address(), caf::exit_reason::kill});
  }

  void after_step() {
    ++steps_;
    checker_.end_of_step(now(), steps_);
    if (steps_ % 64 == 0)
      checker_.compare(snapshot(), now());
    if (env_ && !checker_.broken())
      if (auto v = env_->check())
        checker_.fail(v->invariant, v->dn, std::move(v->what), now());
    for (auto& [name, check] : opts_.invariants) {
      if (checker_.broken())
        return;
      std::string what;
      try {
        what = check(*this);
      } catch (const std::exception& e) {
        what = std::string{"the invariant threw: "} + e.what();
      }
      if (!what.empty())
        checker_.fail(name, "", std::move(what), now());
    }
    if (steps_ >= opts_.max_steps)
      checker_.fail("step_limit", "", "the run reached max_steps = " + std::to_string(opts_.max_steps), now());
  }

  const options& opts_;
  fault_source& faults_;
  uint64_t seed_;
  run_settings st_;
  std::vector<std::string> log_;
  schedule applied_;
  size_t steps_ = 0;
  size_t events_ = 0;
  uint64_t engines_ = 0;
  caf::error setup_;
  checker checker_;
  std::unordered_map<uint64_t, actor_record> actors_; // by actor id
  std::map<std::string, dn_entry> dns_;               // every DN seen, in DN order
  std::vector<const std::string*> candidates_;         // apply()'s, kept for its capacity
  std::map<std::string, fault_kind> armed_;           // start faults for the next incarnation
  std::shared_ptr<probe_handle> probe_;
  std::shared_ptr<supervise::detail::tree_shared> shared_;
  caf::actor engine_;
  std::unique_ptr<environment> env_; // reset first in ~world()
  // Last: destroyed first, while everything its actors' cleanup calls still exists.
  sim_config cfg_;
  mutable caf::actor_system sys_;
  coordinator& sched_;
  stepping stepping_;
};

} // namespace

run_result run_world(const tree_factory& tree, const options& opts, fault_source& faults,
                     uint64_t seed, run_settings settings) {
  world w{opts, faults, seed, settings};
  return w.run(tree);
}

} // namespace supervise::simulation::detail
