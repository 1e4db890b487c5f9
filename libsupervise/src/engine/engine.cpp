// engine/engine.cpp — the engine actor: its behaviour dispatches each
// message to its room, and the three ways to spawn it (a tree, a standalone
// supervisor, a supervisor hosted as a runnable).
#include "engine/engine.hpp"

#include <algorithm>
#include <limits>
#include <random>

#include <caf/all.hpp>

#include "engine/spawn.hpp"
#include "supervise/context.hpp"
#include "supervise/tree.hpp"

namespace supervise::detail {

namespace core {

namespace {

// -- the three owners of a run -------------------------------------------------

// A tree: its handle's wait() returns the reason.
class tree_owner final : public run_owner {
public:
  explicit tree_owner(std::shared_ptr<tree_shared> shared) : shared_(std::move(shared)) {}
  void hand_over(const caf::error& reason, std::vector<unstopped_child> hung) override {
    shared_->finish(reason, hung);
  }

private:
  std::shared_ptr<tree_shared> shared_;
};

// A standalone supervisor: its handle's wait() returns the reason, and
// unstopped_report() the children it gave up on.
class standalone_owner final : public run_owner {
public:
  explicit standalone_owner(std::shared_ptr<supervisor_shared> shared)
    : shared_(std::move(shared)) {}
  void hand_over(const caf::error& reason, std::vector<unstopped_child> hung) override {
    shared_->finish(reason, std::move(hung));
  }

private:
  std::shared_ptr<supervisor_shared> shared_;
};

// A hosted supervisor: the parent engine sees our exit reason as any child's,
// and takes the report from the incarnation we ran as.
class hosted_owner final : public run_owner {
public:
  explicit hosted_owner(context host) : host_(std::move(host)) {}
  void hand_over(const caf::error&, std::vector<unstopped_child> hung) override {
    auto& inc = context_access::impl(host_);
    std::lock_guard<std::mutex> guard{inc.mtx};
    inc.unstopped() = std::move(hung);
  }
  void hand_over_stragglers(std::vector<straggler> running) override {
    auto& inc = context_access::impl(host_);
    std::lock_guard<std::mutex> guard{inc.mtx};
    inc.stragglers() = std::move(running);
  }

private:
  context host_;
};

// -- the actor ---------------------------------------------------------------

// Handlers shared by all roles. Each captures the engine: it lives as long as
// the actor's behaviour, and `attach_functor` stops the children when the
// actor goes for any reason (a kill included).
caf::behavior engine_behavior(const engine_ptr& ep) {
  auto* self = ep->self;
  self->set_down_handler([ep](caf::down_msg& msg) { on_exit(*ep, msg); });
  // An exit request (or the death of a linked actor) stops in order.
  self->set_exit_handler([ep](caf::exit_msg& msg) {
    if (msg.reason)
      begin_stop(*ep, caf::error{});
  });
  self->attach_functor([ep](const caf::error& reason) {
    // Link semantics: nothing outlives the engine unsupervised.
    auto hung = unstoppable_report(*ep);
    std::vector<straggler> stopping; // asked now, not given up on: our parent waits for them
    for (auto& [addr, n] : ep->by_addr) {
      request_stop(*n);
      if (!n->given_up)
        stopping.push_back(straggler{n->handle, n->inc, n->body().is_blocking()});
    }
    // ... and those our own nested supervisors left behind, still stopping.
    for (auto& [addr, w] : ep->stragglers)
      stopping.push_back(w.who);
    if (!stopping.empty())
      ep->owner->hand_over_stragglers(std::move(stopping));
    if (!ep->finished) { // killed, or torn down with the actor system
      ep->finished = true;
      ep->owner->hand_over(reason, std::move(hung));
    }
    // Our names leave the table.
    for (auto& [id, n] : ep->by_id)
      ep->names->erase(n->dn, n);
    // Incarnations hold a handle to this actor, and this actor's handlers
    // hold the engine: drop the node table to break the cycle.
    ep->by_addr.clear();
    ep->by_id.clear();
    ep->leaving.clear();
    ep->group_restart.clear();
    ep->root.reset();
    ep->owner.reset(); // a hosted one holds our parent's incarnation
  });
  return {
    [ep](run_atom, uint64_t id, uint64_t number) { on_run(*ep, id, number); },
    [ep](signal_atom, uint64_t id, uint64_t number, int32_t s) {
      on_signal(*ep, id, number, s);
    },
    [ep](up_atom, uint64_t id, uint64_t number) { on_up(*ep, id, number); },
    [ep](start_atom, uint64_t id, uint64_t token) { on_backoff_over(*ep, id, token); },
    [ep](start_timeout_atom, uint64_t id, uint64_t number) {
      on_start_timeout(*ep, id, number);
    },
    [ep](stop_atom) { begin_stop(*ep, caf::error{}); },
    [ep](stop_timeout_atom) { on_stop_timeout(*ep); },
    [ep](add_atom, uint32_t service) { on_add(*ep, service); },
    [ep](remove_atom, uint32_t service) { on_remove(*ep, service); },
    [ep](terminate_atom, uint32_t service) { on_terminate(*ep, service); },
    [ep](restart_atom, uint32_t service) { on_restart(*ep, service); },
    [ep](child_stop_timeout_atom, uint64_t id, uint64_t number) {
      on_child_stop_timeout(*ep, id, number);
    },
    [ep](kill_grace_atom, uint64_t id, uint64_t number) { on_kill_grace_over(*ep, id, number); },
    [ep](resume_atom, uint64_t token) { on_resume(*ep, token); },
    [ep](pump_atom) {
      ep->pump_pending = false;
      pump_starts(*ep);
    },
    [ep](snapshot_atom, const std::string& root_dn) { return describe(*ep, root_dn); },
    [ep](tree_pump_atom) {
      ep->tree_pump_pending = false;
      pump_tree_starts(*ep);
    },
  };
}

engine_ptr make_engine(caf::event_based_actor* self, engine_options opts) {
  auto ep = std::make_shared<engine>();
  ep->self = self;
  if (!opts.sink)
    opts.sink = std::make_shared<const log_sink>(stderr_sink());
  if (opts.seed == 0 && opts.probe)
    opts.seed = opts.probe->engine_seed();
  ep->rng.seed(opts.seed != 0 ? opts.seed : std::random_device{}());
  ep->opts = std::move(opts);
  ep->env = std::make_shared<const incarnation_env>(
    incarnation_env{caf::actor_cast<caf::weak_actor_ptr>(self->ctrl()), ep->opts.sink,
                    ep->opts.hook, ep->opts.propagate_exceptions, ep->opts.probe,
                    ep->opts.observers});
  ep->names = name_table::of(self->system());
  return ep;
}

// A supervisor's run: the top node is the supervisor; start every registered
// service in add order.
caf::behavior supervisor_behavior(caf::event_based_actor* self, std::string dn,
                                  std::shared_ptr<supervisor_shared> shared,
                                  engine_options opts, const context* host) {
  auto ep = make_engine(self, std::move(opts));
  ep->reg = shared;
  if (host)
    ep->owner = std::make_unique<hosted_owner>(*host);
  else
    ep->owner = std::make_unique<standalone_owner>(shared);
  auto behavior = engine_behavior(ep);
  if (auto& limit = shared->sp.restart_intensity)
    ep->counters.intensity.emplace(limit->max_restarts, limit->period);
  auto* top = make_node(*ep, nullptr, std::move(dn), {});
  top->state = node_state::healthy; // runs as long as the engine does
  list_engine(*ep);
  if (!host) // hosted: the parent already names this DN
    ep->names->started(top->dn, top, caf::actor{self}, 0, self->clock().now());
  std::vector<service_entry*> initial;
  {
    std::lock_guard<std::mutex> guard{shared->mtx};
    // Standalone: those added before start() (later ones come by message);
    // hosted: all registered now, but a child that start_child added to an
    // earlier run belonged to that run only (OTP re-runs init; suture keeps
    // what add() registered).
    if (host) {
      std::vector<uint32_t> earlier_runs;
      for (auto& [id, entry] : shared->services)
        if (entry.run_only)
          earlier_runs.push_back(id);
      for (auto id : earlier_runs)
        shared->erase_locked(id);
    }
    auto upto = host ? std::numeric_limits<uint32_t>::max() : shared->initial_upto;
    shared->run_dn = top->dn; // the prefix of every service's DN (dn_of)
    for (auto& [id, entry] : shared->services)
      if (!entry.removing && id < upto)
        initial.push_back(&entry);
  }
  // Sized once for the batch: no rehash garbage left behind in the RSS.
  ep->by_id.reserve(initial.size() + 1);
  ep->by_addr.reserve(initial.size());
  ep->root->tree.get().children.reserve(initial.size());
  ep->names->reserve(initial.size() + 1);
  for (auto* entry : initial) // in add order, one at a time
    ep->start_queue.push_back(make_service(*ep, *entry).id);
  pump_starts(*ep);
  return behavior;
}

// The observers an engine reports to: its host's, then its own not listed
// there already (one observer attached at two levels is called once). Null
// when there are none: each report then costs one null test.
std::shared_ptr<const observer_list> merged(const std::shared_ptr<const observer_list>& inherited,
                                            const observer_list& own) {
  if (own.empty())
    return inherited;
  auto out = std::make_shared<observer_list>(inherited ? *inherited : observer_list{});
  for (auto& x : own)
    if (x && std::find(out->begin(), out->end(), x) == out->end())
      out->push_back(x);
  return out;
}

engine_options supervisor_options(const supervisor_shared& shared, const context* host) {
  engine_options opts;
  auto& sp = shared.sp;
  opts.propagate_exceptions = sp.effective_propagate_exceptions();
  opts.stop_timeout = sp.effective_stop_timeout();
  opts.seed = sp.seed;
  opts.on_state = sp.on_state;
  if (sp.sink)
    opts.sink = std::make_shared<const log_sink>(sp.sink);
  else if (host)
    opts.sink = context_access::impl(*host).sink();
  if (sp.on_event)
    opts.hook = std::make_shared<const event_hook>(sp.on_event);
  else if (host)
    opts.hook = context_access::impl(*host).hook(); // the nearest ancestor's hook
  if (host)
    opts.probe = context_access::impl(*host).env->probe;
  opts.observers = merged(host ? context_access::impl(*host).env->observers : nullptr,
                          sp.observers);
  return opts;
}

} // namespace

} // namespace core

using namespace core;

caf::actor spawn_tree_engine(caf::actor_system& sys, runnable root, tree_options topts,
                             std::shared_ptr<tree_shared> shared, tree_extras extras) {
  return sys.spawn(
    [root = std::move(root), topts = std::move(topts), extras = std::move(extras)](
      caf::event_based_actor* self, std::shared_ptr<tree_shared> shared) mutable -> caf::behavior {
    engine_options opts;
    opts.backoff = topts.backoff;
    opts.propagate_exceptions = topts.propagate_exceptions;
    opts.stop_timeout = topts.stop_timeout;
    opts.seed = topts.seed;
    opts.on_state = std::move(topts.on_state);
    if (topts.sink)
      opts.sink = std::make_shared<const log_sink>(std::move(topts.sink));
    if (topts.on_event)
      opts.hook = std::make_shared<const event_hook>(std::move(topts.on_event));
    opts.probe = extras.probe;
    opts.observers = merged(nullptr, topts.observers);
    auto ep = make_engine(self, std::move(opts));
    ep->owner = std::make_unique<tree_owner>(std::move(shared));
    auto behavior = engine_behavior(ep);
    auto* top = make_node(*ep, nullptr, extras.root_name, std::move(root));
    list_engine(*ep);
    start(*ep, *top);
    return behavior;
  },
    std::move(shared)); // an argument, not a capture: see spawn_runnable
}

caf::actor spawn_supervisor_engine(caf::actor_system& sys,
                                   std::shared_ptr<supervisor_shared> shared) {
  return sys.spawn(
    [](caf::event_based_actor* self, std::shared_ptr<supervisor_shared> shared) {
      return supervisor_behavior(self, shared->name, shared,
                                 supervisor_options(*shared, nullptr), nullptr);
    },
    std::move(shared)); // an argument, not a capture: see spawn_runnable
}

caf::behavior host_supervisor(caf::event_based_actor* self, context& ctx,
                              std::shared_ptr<supervisor_shared> shared) {
  {
    std::lock_guard<std::mutex> guard{shared->mtx};
    if (shared->phase != run_phase::idle) {
      // Running elsewhere, or a standalone run (live or ended): this run
      // fails, clearly.
      self->quit(make_error(shared->phase == run_phase::finished ? errc::not_running
                                                                 : errc::already_started,
                            shared->name));
      return {};
    }
    shared->phase = run_phase::hosted;
    shared->ever_ran = true;
    shared->engine = caf::actor{self};
  }
  // Back to idle when this run ends, however it ends.
  self->attach_functor([shared] {
    std::lock_guard<std::mutex> guard{shared->mtx};
    shared->phase = run_phase::idle;
    shared->engine = nullptr;
    for (auto& [id, entry] : shared->services)
      entry.running = false;
    shared->cv.notify_all();
  });
  auto behavior = supervisor_behavior(self, ctx.dn(), shared, supervisor_options(*shared, &ctx),
                                      &ctx);
  signal(ctx, signal_type::healthy); // its services were spawned
  return behavior;
}

} // namespace supervise::detail
