// supervisor.cpp — the handle side of a supervisor: registration, checks, and
// the blocking waits. Every decision about children is the engine's
// (engine.cpp); this file only validates, records and forwards.
#include "supervise/supervisor.hpp"

#include <atomic>
#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "bounded_wait.hpp"
#include "engine/spawn.hpp"
#include "incarnation.hpp"
#include "name.hpp"
#include "option_problems.hpp"
#include "supervise/errc.hpp"
#include "supervisor_shared.hpp"

namespace supervise {

namespace {

std::atomic<uint32_t> next_supervisor_id{1};

std::string token_text(service_token t) {
  return "token {" + std::to_string(t.supervisor) + ", " + std::to_string(t.service) + "}";
}

// The error of a call that needs a running supervisor, or none. Caller holds
// the lock.
caf::error check_running(const detail::supervisor_shared& s) {
  switch (s.phase) {
    case detail::run_phase::standalone:
    case detail::run_phase::hosted:
      return {};
    case detail::run_phase::finished:
      return make_error(errc::not_running, s.name);
    case detail::run_phase::idle:
      break;
  }
  return make_error(s.ever_ran ? errc::not_running : errc::not_started, s.name);
}

} // namespace

supervisor::supervisor(caf::actor_system& sys, std::string name, spec s) {
  if (auto err = detail::validate_name(name))
    throw std::invalid_argument("supervise::supervisor: invalid name \"" + name + "\"");
  if (auto err = s.validate())
    throw std::invalid_argument("supervise::supervisor " + name + ": " + detail_of(err));
  // One name per setting from here on: a value assigned through a deprecated
  // name wins (spec::effective_*) and moves to the new name. The old names
  // are left unassigned (config() copies then follow the new names) but read
  // the same value, for readers not yet moved to the new names.
  s.stop_timeout = s.effective_stop_timeout();
  s.propagate_exceptions = s.effective_propagate_exceptions();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  s.timeout.shadow(s.stop_timeout);
  s.pass_through_exceptions.shadow(s.propagate_exceptions);
#pragma GCC diagnostic pop
  shared_ = std::make_shared<detail::supervisor_shared>(sys, next_supervisor_id++,
                                                        std::move(name), std::move(s));
}

supervisor::~supervisor() {
  bool standalone;
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    standalone = shared_->phase == detail::run_phase::standalone;
  }
  if (standalone) {
    stop();
    wait();
  }
}

const std::string& supervisor::name() const noexcept { return shared_->name; }

const spec& supervisor::config() const noexcept { return shared_->sp; }

namespace {

// The option values of `cs` that cannot work under `sh`, all in one
// errc::invalid_option ("A.x: significant with restart permanent; shutdown
// = -1ms: must be >= 0"); none when fine.
caf::error check_child(const detail::supervisor_shared& sh, const child_spec& cs) {
  detail::option_problems out;
  out.require(!cs.significant || cs.restart != restart_type::permanent,
              "significant with restart permanent");
  out.require(!cs.significant || sh.sp.shutdown_when != auto_shutdown::never,
              "significant under auto_shutdown never");
  if (cs.shutdown && cs.shutdown->kind == shutdown_spec::timeout)
    out.non_negative("shutdown", cs.shutdown->time);
  if (out.empty())
    return {}; // the usual case: no name text built on the add path
  return out.error(sh.name + "." + cs.id);
}

bool runs(const detail::supervisor_shared& sh) {
  return sh.phase == detail::run_phase::standalone || sh.phase == detail::run_phase::hosted;
}

// Why `cs.id` cannot be registered again (caller holds the lock): a removed
// service keeps its name until its actor has exited (two incarnations of one
// DN are never alive at the same time); otherwise add() says duplicate_name
// and start_child OTP's already_started (it runs) or already_present (kept).
caf::error taken(const detail::supervisor_shared& sh, const child_spec& cs, uint32_t holder,
                 bool otp) {
  auto j = sh.services.find(holder);
  auto dn = sh.name + "." + cs.id;
  if (j == sh.services.end() || j->second.removing)
    return make_error(errc::duplicate_name, dn + ": still stopping after its removal");
  if (!otp)
    return make_error(errc::duplicate_name, dn);
  return make_error(j->second.running ? errc::already_started : errc::already_present, dn);
}

// Registers `cs` (validated) and tells a running engine. With `waiter`, the
// engine reports when the child is up or failed to start (start_child).
caf::expected<service_token> register_child(detail::supervisor_shared& sh, child_spec cs,
                                            std::shared_ptr<detail::start_waiter> waiter) {
  caf::actor engine;
  uint32_t id;
  {
    std::lock_guard<std::mutex> guard{sh.mtx};
    if (cs.id.empty() && sh.sp.strategy == strategy::simple_one_for_one)
      cs.id = "child-" + std::to_string(sh.next_generated++);
    if (auto err = detail::validate_name(cs.id))
      return err;
    if (!cs.start)
      return make_error(errc::empty_runnable, sh.name + "." + cs.id);
    if (auto err = check_child(sh, cs))
      return err;
    if (sh.phase == detail::run_phase::finished)
      return make_error(errc::not_running, sh.name);
    if (auto i = sh.by_name.find(cs.id); i != sh.by_name.end())
      return taken(sh, cs, i->second, waiter != nullptr);
    id = sh.next_service++;
    // Ids only grow: the new entry goes last, no O(log n) search (100k adds).
    auto& entry = sh.services
                    .emplace_hint(sh.services.end(), std::piecewise_construct,
                                  std::forward_as_tuple(id), std::forward_as_tuple())
                    ->second;
    entry.id = id;
    entry.name = cs.id;
    entry.body = std::move(cs.start);
    entry.restart = cs.restart;
    entry.type = cs.type;
    entry.set_shutdown(cs.shutdown ? *cs.shutdown
                                   : (cs.type == child_type::supervisor
                                        ? shutdown_spec::wait_forever()
                                        : shutdown_spec::after(sh.sp.stop_timeout)));
    entry.significant = cs.significant;
    entry.run_only = waiter != nullptr && runs(sh); // OTP's start_child on a running supervisor
    entry.ready = cs.ready;
    entry.start_timeout = cs.start_timeout;
    if (waiter)
      sh.waiters[id] = std::move(waiter);
    sh.by_name.emplace(entry.name, id); // a view of the entry's name
    engine = sh.engine;
  }
  // Running: the engine queues its start when this arrives (not waited for).
  if (engine)
    caf::anon_send(engine, detail::add_atom::value, id);
  return service_token{sh.id, id};
}

// Waits (bounded) until `w` is done; the child's start result.
caf::error await_start(detail::supervisor_shared& sh, detail::start_waiter& w,
                       std::chrono::nanoseconds timeout, const std::string& what) {
  if (timeout.count() == 0)
    return {}; // asked not to wait (e.g. on a manual clock)
  std::unique_lock<std::mutex> guard{sh.mtx};
  auto settled = [&] {
    return w.done || sh.phase == detail::run_phase::finished
           || (sh.phase == detail::run_phase::idle && sh.ever_ran);
  };
  if (!sh.cv.wait_for(guard, timeout, settled))
    return make_error(errc::timeout, what + " not up yet");
  if (!w.done)
    return make_error(errc::not_running, sh.name + " ended before " + what + " was up");
  return w.error;
}

// The registration of child `id` of a running supervisor (caller holds the
// lock). Errors: not_started, not_running, unknown_child.
caf::expected<detail::service_entry*> running_child(detail::supervisor_shared& sh,
                                                    const std::string& id) {
  if (auto err = check_running(sh))
    return err;
  auto i = sh.by_name.find(id);
  auto j = i == sh.by_name.end() ? sh.services.end() : sh.services.find(i->second);
  if (j == sh.services.end() || j->second.removing)
    return make_error(errc::unknown_child, sh.name + "." + id);
  return &j->second;
}

// The registration behind token `t` of a running supervisor (caller holds
// the lock); one being removed only when `removing_ok`. Errors:
// wrong_supervisor, not_started, not_running, unknown_token.
caf::expected<detail::service_entry*> token_entry(detail::supervisor_shared& sh, service_token t,
                                                  bool removing_ok) {
  if (t.supervisor != sh.id || t.service == 0)
    return make_error(errc::wrong_supervisor, token_text(t) + " given to " + sh.name);
  if (auto err = check_running(sh))
    return err;
  auto i = sh.services.find(t.service);
  if (i == sh.services.end() || (i->second.removing && !removing_ok))
    return make_error(errc::unknown_token,
                      token_text(t) + " of " + sh.name + ": never issued or already removed");
  return &i->second;
}

// Unlists `entry` (it leaves services() at once; its name stays taken until
// its child has stopped, so a re-add can never run two incarnations of one
// DN) and returns the engine to tell, or null when the removal was under way
// already (caller holds the lock).
caf::actor unlist(detail::supervisor_shared& sh, detail::service_entry& entry) {
  if (entry.removing)
    return nullptr;
  entry.removing = true;
  return sh.engine;
}

} // namespace

caf::expected<service_token> supervisor::add(std::string name, runnable r) {
  child_spec cs;
  cs.id = std::move(name);
  cs.start = std::move(r);
  return register_child(*shared_, std::move(cs), nullptr);
}

caf::expected<service_token> supervisor::start_child(child_spec cs,
                                                     std::chrono::nanoseconds timeout) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "start_child inside an event hook");
  auto waiter = std::make_shared<detail::start_waiter>();
  auto token = register_child(*shared_, std::move(cs), waiter);
  if (!token)
    return token;
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    if (shared_->phase == detail::run_phase::idle)
      return token; // registered: it starts with the supervisor
  }
  auto what = shared_->name + " child " + std::to_string(token->service);
  if (auto err = await_start(*shared_, *waiter, timeout, what))
    return err;
  return token;
}

caf::error supervisor::terminate_child(const std::string& id) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "terminate_child inside an event hook");
  std::unique_lock<std::mutex> guard{shared_->mtx};
  auto entry = running_child(*shared_, id);
  if (!entry)
    return entry.error();
  auto service = (*entry)->id;
  caf::anon_send(shared_->engine, detail::terminate_atom::value, service);
  // Stopped: idle (kept) or gone (temporary); or the supervisor ended.
  shared_->cv.wait(guard, [&] {
    auto i = shared_->services.find(service);
    return i == shared_->services.end() || (i->second.idle && !i->second.running)
           || !runs(*shared_);
  });
  return {};
}

caf::error supervisor::restart_child(const std::string& id, std::chrono::nanoseconds timeout) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "restart_child inside an event hook");
  auto waiter = std::make_shared<detail::start_waiter>();
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    auto entry = running_child(*shared_, id);
    if (!entry)
      return entry.error();
    if ((*entry)->running || !(*entry)->idle)
      return make_error(errc::child_running, shared_->name + "." + id);
    shared_->waiters[(*entry)->id] = waiter;
    caf::anon_send(shared_->engine, detail::restart_atom::value, (*entry)->id);
  }
  return await_start(*shared_, *waiter, timeout, shared_->name + "." + id);
}

caf::error supervisor::delete_child(const std::string& id) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "delete_child inside an event hook");
  std::unique_lock<std::mutex> guard{shared_->mtx};
  auto entry = running_child(*shared_, id);
  if (!entry)
    return entry.error();
  if ((*entry)->running || !(*entry)->idle)
    return make_error(errc::child_running, shared_->name + "." + id);
  auto service = (*entry)->id;
  caf::anon_send(unlist(*shared_, **entry), detail::remove_atom::value, service);
  // The id is free when this returns (OTP): wait until the engine forgot it.
  shared_->cv.wait(guard, [&] {
    return shared_->services.count(service) == 0 || !runs(*shared_);
  });
  return {};
}

// The listed services (not being removed) of a running supervisor, each as
// `row(id, entry)` makes it; not_running when it does not run.
template <class Row, class Make>
caf::expected<std::vector<Row>> listed(const detail::supervisor_shared& sh, Make row) {
  std::lock_guard<std::mutex> guard{sh.mtx};
  if (auto err = check_running(sh))
    return err;
  std::vector<Row> out;
  for (auto& [id, e] : sh.services)
    if (!e.removing)
      out.push_back(row(id, e));
  return out;
}

caf::expected<std::vector<child_info>> supervisor::which_children() const {
  return listed<child_info>(*shared_, [this](uint32_t, const detail::service_entry& e) {
    return child_info{e.name, shared_->dn_of(e), e.actor, e.state, e.type, e.restart,
                      e.restarts, e.idle};
  });
}

caf::expected<child_counts> supervisor::count_children() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  if (auto err = check_running(*shared_))
    return err;
  child_counts out;
  for (auto& [id, e] : shared_->services) {
    if (e.removing)
      continue;
    ++out.specs;
    if (e.running)
      ++out.active;
    if (e.type == child_type::supervisor)
      ++out.supervisors;
    else
      ++out.workers;
  }
  return out;
}

caf::expected<service_token> supervisor::add(supervisor& child) {
  if (&child == this)
    return make_error(errc::invalid_option, "a supervisor cannot supervise itself: " + name());
  return add(child.name(), child.as_runnable());
}

caf::error supervisor::remove(service_token t) {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  auto entry = token_entry(*shared_, t, false);
  if (!entry)
    return entry.error();
  // Unlisted at once; the engine stops it and then forgets it.
  caf::anon_send(unlist(*shared_, **entry), detail::remove_atom::value, t.service);
  return {};
}

caf::error supervisor::remove_and_wait(service_token t, std::chrono::nanoseconds timeout) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "remove_and_wait inside an event hook");
  std::unique_lock<std::mutex> guard{shared_->mtx};
  auto entry = token_entry(*shared_, t, true); // a pending removal: wait for it
  if (!entry)
    return entry.error();
  if (auto engine = unlist(*shared_, **entry))
    caf::anon_send(engine, detail::remove_atom::value, t.service);
  // Gone from the registry = its actor exited (the engine erases it then);
  // the end of the run also ends the wait.
  auto gone = [&] { return shared_->services.count(t.service) == 0 || !runs(*shared_); };
  if (timeout.count() == 0)
    shared_->cv.wait(guard, gone);
  else if (!shared_->cv.wait_for(guard, timeout, gone))
    return make_error(errc::timeout, token_text(t) + " of " + shared_->name + " still running");
  auto i = shared_->services.find(t.service);
  if (i != shared_->services.end() && i->second.running)
    return make_error(errc::not_running, shared_->name + " ended before " + i->second.name
                                           + " stopped");
  return {};
}

caf::expected<std::vector<service_info>> supervisor::services() const {
  return listed<service_info>(*shared_, [this](uint32_t id, const detail::service_entry& e) {
    return service_info{service_token{shared_->id, id}, e.name, shared_->dn_of(e), e.state};
  });
}

caf::error supervisor::start(std::chrono::nanoseconds wait_up) {
  if (wait_up.count() > 0 && detail::inside_hook())
    return make_error(errc::would_deadlock, "supervisor::start inside an event hook");
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    switch (shared_->phase) {
      case detail::run_phase::standalone:
      case detail::run_phase::hosted:
        return make_error(errc::already_started, shared_->name);
      case detail::run_phase::finished:
        return make_error(errc::not_running, shared_->name + " has ended: supervisors are "
                                                             "single-use when standalone");
      case detail::run_phase::idle:
        break;
    }
    shared_->phase = detail::run_phase::standalone;
    shared_->ever_ran = true;
    shared_->initial_upto = shared_->next_service;
    shared_->initial_up = false;
    // Spawning under the lock: the engine takes the lock only when it runs,
    // and adds made meanwhile are seen either in its initial registry walk
    // or through their message (on_add ignores a service already started).
    shared_->engine = detail::spawn_supervisor_engine(shared_->sys, shared_);
  }
  if (wait_up.count() == 0)
    return {};
  std::unique_lock<std::mutex> guard{shared_->mtx};
  if (!shared_->cv.wait_for(guard, wait_up, [this] {
        return shared_->initial_up || shared_->phase == detail::run_phase::finished;
      }))
    return make_error(errc::timeout, shared_->name + ": children not all up yet");
  if (shared_->phase == detail::run_phase::finished && shared_->final_error == errc::start_failed)
    return shared_->final_error;
  return {};
}

caf::error supervisor::stop() {
  caf::actor engine;
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    if (shared_->phase == detail::run_phase::hosted)
      return make_error(errc::not_standalone, shared_->name);
    if (auto err = check_running(*shared_))
      return err;
    engine = shared_->engine;
  }
  caf::anon_send<caf::message_priority::high>(engine, detail::stop_atom::value);
  return {};
}

namespace {

// wait() and wait_for(): the end of a standalone run, up to `d` (none:
// forever); nullopt when it still runs at the deadline.
std::optional<caf::error> await_end(detail::supervisor_shared& sh,
                                    std::optional<std::chrono::nanoseconds> d, const char* who) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, std::string{who} + " inside an event hook");
  std::unique_lock<std::mutex> guard{sh.mtx};
  if (sh.phase == detail::run_phase::hosted)
    return make_error(errc::not_standalone, sh.name);
  if (sh.phase == detail::run_phase::idle)
    return make_error(errc::not_started, sh.name);
  auto ended = [&sh] { return sh.phase == detail::run_phase::finished; };
  if (!detail::bounded_wait(sh.cv, guard, d, ended))
    return std::nullopt;
  return sh.final_error;
}

} // namespace

caf::error supervisor::wait() {
  return *await_end(*shared_, std::nullopt, "supervisor::wait");
}

std::optional<caf::error> supervisor::wait_for(std::chrono::nanoseconds d) {
  return await_end(*shared_, d, "supervisor::wait_for");
}

bool supervisor::stopped() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  return shared_->phase == detail::run_phase::finished;
}

caf::expected<std::vector<unstopped_child>> supervisor::unstopped_report() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  switch (shared_->phase) {
    case detail::run_phase::finished:
      return shared_->report;
    case detail::run_phase::standalone:
      return make_error(errc::still_running, shared_->name);
    case detail::run_phase::hosted:
      return make_error(errc::not_standalone, shared_->name);
    case detail::run_phase::idle:
      break;
  }
  return make_error(errc::not_started, shared_->name);
}

runnable supervisor::as_runnable() {
  return runnable::event_based(
    [shared = shared_](caf::event_based_actor* self, context& ctx) -> caf::behavior {
      return detail::host_supervisor(self, ctx, shared);
    });
}

caf::actor supervisor::actor() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  return shared_->engine;
}

} // namespace supervise
