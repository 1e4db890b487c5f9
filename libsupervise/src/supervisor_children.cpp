// supervisor_children.cpp — the handle side of a supervisor's children:
// registration (add, start_child), OTP's child calls (terminate_child,
// restart_child, delete_child), suture's remove, and the listings. The
// handle validates, records and forwards; the engine decides.
#include "supervise/supervisor.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <caf/send.hpp>

#include "engine/spawn.hpp"
#include "incarnation.hpp" // the engine protocol's atoms
#include "name.hpp"
#include "option_problems.hpp"
#include "supervise/errc.hpp"
#include "supervisor_shared.hpp"

namespace supervise {

namespace {

std::string token_text(service_token t) {
  return "token {" + std::to_string(t.supervisor) + ", " + std::to_string(t.service) + "}";
}

} // namespace

namespace {

// The option values of `cs` that cannot work under `when`, all in one
// errc::invalid_option ("A.x: significant with restart permanent; shutdown
// = -1ms: must be >= 0"); none when fine. `prefix` goes before the id.
caf::error check_child(const std::string& prefix, auto_shutdown when, const child_spec& cs) {
  detail::option_problems out;
  out.require(!cs.significant || cs.restart != restart_type::permanent,
              "significant with restart permanent");
  out.require(!cs.significant || when != auto_shutdown::never,
              "significant under auto_shutdown never");
  if (cs.shutdown && cs.shutdown->kind == shutdown_spec::timeout)
    out.non_negative("shutdown", cs.shutdown->time);
  out.non_negative("start_timeout", cs.start_timeout);
  if (out.empty())
    return {}; // the usual case: no name text built on the add path
  return out.error(prefix + cs.id);
}

// Everything about `cs` alone that makes it unusable: its id, its runnable,
// its options. `prefix` goes before the id in the error.
caf::error check_spec(const std::string& prefix, auto_shutdown when, const child_spec& cs) {
  if (auto err = detail::validate_name(cs.id))
    return err;
  if (!cs.start)
    return make_error(errc::empty_runnable, prefix + cs.id);
  return check_child(prefix, when, cs);
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
    if (auto err = check_spec(sh.name + ".", sh.sp.shutdown_when, cs))
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
    entry.run_only = waiter != nullptr && sh.runs(); // OTP's start_child on a running supervisor
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
  if (auto err = sh.check_running_locked())
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
  if (auto err = sh.check_running_locked())
    return err;
  auto i = sh.services.find(t.service);
  if (i == sh.services.end() || (i->second.removing && !removing_ok))
    return make_error(errc::unknown_token,
                      token_text(t) + " of " + sh.name + ": never issued or already removed");
  return &i->second;
}

// simple_one_for_one keeps no spec of a stopped child, so OTP refuses the
// calls that work on one (caller holds the lock).
caf::error refused_by_strategy(const detail::supervisor_shared& sh, const char* call,
                               const std::string& id) {
  if (sh.sp.strategy != strategy::simple_one_for_one)
    return {};
  return make_error(errc::simple_one_for_one,
                    sh.name + "." + id + ": " + call + " under simple_one_for_one");
}

// The registration of child `id` that `call` (restart_child, delete_child)
// may work on: a kept child that does not run (caller holds the lock).
// Errors: those of running_child(), simple_one_for_one, child_running.
caf::expected<detail::service_entry*> kept_child(detail::supervisor_shared& sh, const char* call,
                                                 const std::string& id) {
  auto entry = running_child(sh, id);
  if (!entry)
    return entry.error();
  if (auto err = refused_by_strategy(sh, call, id))
    return err;
  if ((*entry)->running || !(*entry)->idle)
    return make_error(errc::child_running, sh.name + "." + id);
  return entry;
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
  // Stopped: idle (kept) or gone (temporary, or any under
  // simple_one_for_one: unlisted, its id free); or the supervisor ended.
  shared_->cv.wait(guard, [&] {
    auto i = shared_->services.find(service);
    return i == shared_->services.end() || (i->second.idle && !i->second.running)
           || i->second.removing || !shared_->runs();
  });
  return {};
}

caf::error supervisor::restart_child(const std::string& id, std::chrono::nanoseconds timeout) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "restart_child inside an event hook");
  auto waiter = std::make_shared<detail::start_waiter>();
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    auto entry = kept_child(*shared_, "restart_child", id);
    if (!entry)
      return entry.error();
    shared_->waiters[(*entry)->id] = waiter;
    caf::anon_send(shared_->engine, detail::restart_atom::value, (*entry)->id);
  }
  return await_start(*shared_, *waiter, timeout, shared_->name + "." + id);
}

caf::error supervisor::delete_child(const std::string& id) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "delete_child inside an event hook");
  std::unique_lock<std::mutex> guard{shared_->mtx};
  auto entry = kept_child(*shared_, "delete_child", id);
  if (!entry)
    return entry.error();
  auto service = (*entry)->id;
  caf::anon_send(unlist(*shared_, **entry), detail::remove_atom::value, service);
  // The id is free when this returns (OTP): wait until the engine forgot it.
  shared_->cv.wait(guard, [&] {
    return shared_->services.count(service) == 0 || !shared_->runs();
  });
  return {};
}

// The listed services (not being removed) of a running supervisor, each as
// `row(id, entry)` makes it; not_running when it does not run.
template <class Row, class Make>
caf::expected<std::vector<Row>> listed(const detail::supervisor_shared& sh, Make row) {
  std::lock_guard<std::mutex> guard{sh.mtx};
  if (auto err = sh.check_running_locked())
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
                      e.restarts, e.idle, e.restarting};
  });
}

caf::expected<child_spec> supervisor::get_childspec(const std::string& id) const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  auto entry = running_child(*shared_, id);
  if (!entry)
    return entry.error();
  auto& e = **entry;
  child_spec cs;
  cs.id = e.name;
  cs.start = e.body;
  cs.restart = e.restart;
  cs.shutdown = e.shutdown(); // resolved: the default made explicit
  cs.type = e.type;
  cs.significant = e.significant;
  cs.ready = e.ready;
  cs.start_timeout = e.start_timeout;
  return cs;
}

caf::error supervisor::check_childspecs(const std::vector<child_spec>& specs,
                                        auto_shutdown when) {
  std::set<std::string_view> ids;
  for (auto& cs : specs) {
    if (auto err = check_spec("", when, cs))
      return err;
    if (!ids.insert(cs.id).second)
      return make_error(errc::duplicate_name, cs.id);
  }
  return {};
}

caf::expected<child_counts> supervisor::count_children() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  if (auto err = shared_->check_running_locked())
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
  auto gone = [&] { return shared_->services.count(t.service) == 0 || !shared_->runs(); };
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

} // namespace supervise
