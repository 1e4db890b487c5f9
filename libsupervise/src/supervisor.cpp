// supervisor.cpp — the handle side of a supervisor: registration, checks, and
// the blocking waits. Every decision about children is the engine's
// (engine.cpp); this file only validates, records and forwards.
#include "supervise/supervisor.hpp"

#include <atomic>
#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "engine.hpp"
#include "incarnation.hpp"
#include "name.hpp"
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

caf::expected<service_token> supervisor::add(std::string name, runnable r) {
  if (auto err = detail::validate_name(name))
    return err;
  caf::actor engine;
  uint32_t id;
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    if (!r)
      return make_error(errc::empty_runnable, shared_->name + "." + name);
    if (shared_->phase == detail::run_phase::finished)
      return make_error(errc::not_running, shared_->name);
    for (auto& [other, entry] : shared_->services)
      if (!entry.removing && entry.name == name)
        return make_error(errc::duplicate_name, shared_->name + "." + name);
    id = shared_->next_service++;
    auto& entry = shared_->services[id];
    entry.id = id;
    entry.name = std::move(name);
    entry.body = std::move(r);
    engine = shared_->engine;
  }
  // Running: the engine starts it when this arrives (not waited for).
  if (engine)
    caf::anon_send(engine, detail::add_atom::value, id);
  return service_token{shared_->id, id};
}

caf::expected<service_token> supervisor::add(supervisor& child) {
  if (&child == this)
    return make_error(errc::invalid_option, "a supervisor cannot supervise itself: " + name());
  return add(child.name(), child.as_runnable());
}

caf::error supervisor::remove(service_token t) {
  if (t.supervisor != shared_->id || t.service == 0)
    return make_error(errc::wrong_supervisor, token_text(t) + " given to " + shared_->name);
  caf::actor engine;
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    if (auto err = check_running(*shared_))
      return err;
    auto i = shared_->services.find(t.service);
    if (i == shared_->services.end() || i->second.removing)
      return make_error(errc::unknown_token,
                        token_text(t) + " of " + shared_->name + ": never issued or removed");
    i->second.removing = true; // leaves services() at once
    engine = shared_->engine;
  }
  caf::anon_send(engine, detail::remove_atom::value, t.service);
  return {};
}

caf::error supervisor::remove_and_wait(service_token t, std::chrono::nanoseconds timeout) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "remove_and_wait inside an event hook");
  if (t.supervisor != shared_->id || t.service == 0)
    return make_error(errc::wrong_supervisor, token_text(t) + " given to " + shared_->name);
  caf::actor engine;
  {
    std::unique_lock<std::mutex> guard{shared_->mtx};
    if (auto err = check_running(*shared_))
      return err;
    auto i = shared_->services.find(t.service);
    if (i == shared_->services.end())
      return make_error(errc::unknown_token,
                        token_text(t) + " of " + shared_->name + ": never issued or removed");
    if (!i->second.removing) {
      i->second.removing = true;
      engine = shared_->engine;
    }
  }
  if (engine)
    caf::anon_send(engine, detail::remove_atom::value, t.service);
  std::unique_lock<std::mutex> guard{shared_->mtx};
  // Gone from the registry = its actor exited (the engine erases it then);
  // the end of the run also ends the wait.
  auto gone = [&] {
    return shared_->services.count(t.service) == 0
           || (shared_->phase != detail::run_phase::standalone
               && shared_->phase != detail::run_phase::hosted);
  };
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
  std::lock_guard<std::mutex> guard{shared_->mtx};
  if (auto err = check_running(*shared_))
    return err;
  std::vector<service_info> out;
  for (auto& [id, entry] : shared_->services)
    if (!entry.removing)
      out.push_back({service_token{shared_->id, id}, entry.name, entry.dn, entry.state});
  return out;
}

caf::error supervisor::start() {
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
    // Spawning under the lock: the engine takes the lock only when it runs,
    // and adds made meanwhile are seen either in its initial registry walk
    // or through their message (on_add ignores a service already started).
    shared_->engine = detail::spawn_supervisor_engine(shared_->sys, shared_);
  }
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

caf::error supervisor::wait() {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "supervisor::wait inside an event hook");
  std::unique_lock<std::mutex> guard{shared_->mtx};
  if (shared_->phase == detail::run_phase::hosted)
    return make_error(errc::not_standalone, shared_->name);
  if (shared_->phase == detail::run_phase::idle)
    return make_error(errc::not_started, shared_->name);
  shared_->cv.wait(guard, [this] { return shared_->phase == detail::run_phase::finished; });
  return shared_->final_error;
}

std::optional<caf::error> supervisor::wait_for(std::chrono::nanoseconds d) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "supervisor::wait_for inside an event hook");
  std::unique_lock<std::mutex> guard{shared_->mtx};
  if (shared_->phase == detail::run_phase::hosted)
    return make_error(errc::not_standalone, shared_->name);
  if (shared_->phase == detail::run_phase::idle)
    return make_error(errc::not_started, shared_->name);
  if (!shared_->cv.wait_for(guard, d,
                            [this] { return shared_->phase == detail::run_phase::finished; }))
    return std::nullopt;
  return shared_->final_error;
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
