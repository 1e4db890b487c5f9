// agent_actor.cpp — starts children for remote stubs and enforces their
// leases. One state per agent incarnation, touched only by its handlers.
//
// Per requesting process (its lease desk, the "grantor") the agent keeps one
// renewal loop and a copy of the set of epochs the desk holds current here
// (detail/grant_log.hpp). Every lease / 4, and once per burst of starts, it
// renews: it names its copy's generation and notes its own send time t0. A
// grant brings the changes since; once applied, it stops each child whose
// epoch left the set and makes the deadline of all others t0 + lease (a late
// grant cannot extend it). Children of one grantor with the same lease
// length share one deadline, so a renewal costs what changed, not the number
// of children. A new child is spawned only when a grant for a renewal sent
// after its start request arrived has its epoch in the set: a start that
// reaches the agent after its stub gave up is never run.
//
// Idle, a renewal wakes the agent twice (its tick, the grant) and the desk
// once, all on CAF's I/O thread (see spawn_agent): renewals and grants are
// plain messages matched by sequence number (a request would add a timeout
// message per renewal), and a deadline gets a timer of its own only when a
// tick finds it within two intervals, which happens only once grants
// stopped coming.
#include "agent/agent_actor.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <caf/all.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <fmt/format.h>

#include "agent/lease_registry.hpp"
#include "detail/grant_log.hpp"
#include "detail/lease.hpp"
#include "detail/protocol.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/errc.hpp"

namespace supervise::actors::detail {

namespace {

// Time points of the actor clock (self->clock(): steady, or a test's manual
// clock); every time read goes through it.
using clock = std::chrono::steady_clock;
static_assert(std::is_same_v<clock::time_point, caf::actor_clock::time_point>);
using tick_atom = caf::atom_constant<caf::atom("sv_tick")>;
using flush_atom = caf::atom_constant<caf::atom("sv_flush")>;
using kill_atom = caf::atom_constant<caf::atom("sv_kill")>;

// What a start request says about its incarnation, kept while it runs.
struct incarnation_terms {
  std::string key;
  uint64_t epoch = 0;
  std::chrono::nanoseconds length{}; // of its lease
  std::chrono::nanoseconds grace{};  // to stop once fenced
};

// The deadline of a grantor's children with one lease length.
struct lease_class {
  std::shared_ptr<std::atomic<int64_t>> deadline = std::make_shared<std::atomic<int64_t>>(0);
  size_t live = 0; // children counting on it, not fenced yet
};

// A child this agent runs.
struct child_entry {
  incarnation_terms terms;
  caf::actor actor;
  caf::actor_addr desk;
  std::shared_ptr<std::atomic<bool>> ended; // what its lease_token reads
  bool fenced = false;
};

// A start waiting for its epoch to be confirmed by a grant.
struct pending_start {
  incarnation_terms terms;
  std::string type;
  caf::message args;
  uint64_t need_seq = 0; // the first renewal sent after it arrived
  caf::response_promise rp;
};

// One requesting process: its desk and the renewal loop of its children.
struct grantor {
  caf::actor desk;
  holder_lease lease{lease_terms{}}; // its renewals' send times
  grant_copy copy;                   // the epochs its desk holds current here
  uint64_t next_seq = 1;
  bool flush_queued = false; // a renewal for new starts is queued
  bool ticking = false;
  std::chrono::nanoseconds shortest = std::chrono::nanoseconds::max(); // lease of its children
  std::vector<pending_start> pending;
  std::map<std::chrono::nanoseconds, lease_class> classes; // by lease length
  std::unordered_map<uint64_t, caf::actor_addr> children;   // by epoch
};

template <class Self>
struct agent_state {
  Self* self; // a broker on the I/O thread (see spawn_agent), or a simulated node's actor
  std::shared_ptr<const std::vector<std::string>> allow;
  logger log;
  const caf::actor_clock* token_clock; // what its children's lease tokens read (nullptr: steady)
  std::map<std::string, epoch_fence> fences; // by key
  std::map<caf::actor_addr, grantor> grantors;
  std::map<caf::actor_addr, child_entry> children;

  // The renewal interval of `g`: a quarter of the shortest lease it ever held.
  static std::chrono::nanoseconds interval(const grantor& g) { return g.shortest / 4; }

  caf::result<caf::actor> start(std::string key, uint64_t epoch, std::string type,
                                caf::message args, caf::actor desk, int64_t lease_ns,
                                int64_t grace_ns) {
    if (!desk || lease_ns <= 0 || grace_ns < 0)
      return make_error(errc::invalid_option, "start request without a desk or a lease");
    if (std::find(allow->begin(), allow->end(), type) == allow->end())
      return make_error(actors_errc::refused,
                        fmt::format("type \"{}\" is not on this node's allow-list", type));
    auto& fence = fences[key];
    if (!fence.admit_start(epoch))
      return make_error(errc::stale_epoch,
                        fmt::format("key {}: epoch {} is not newer than {}", key, epoch,
                                    fence.highest()));
    auto who = desk.address();
    auto& g = grantors[who];
    if (!g.desk) {
      g.desk = desk;
      self->template monitor<caf::message_priority::high>(desk);
    }
    auto rp = self->make_response_promise();
    g.shortest = std::min(g.shortest, std::chrono::nanoseconds{lease_ns});
    incarnation_terms terms{std::move(key), epoch, std::chrono::nanoseconds{lease_ns},
                            std::chrono::nanoseconds{grace_ns}};
    g.pending.push_back({std::move(terms), std::move(type), std::move(args), g.next_seq, rp});
    if (!g.flush_queued) { // one renewal for a burst of starts
      g.flush_queued = true;
      self->send(self, flush_atom::value, who);
    }
    if (!g.ticking) {
      g.ticking = true;
      self->delayed_send(self, interval(g), tick_atom::value, who);
    }
    return caf::delegated<caf::actor>{};
  }

  void renew(const caf::actor_addr& who) {
    auto& g = grantors[who];
    auto seq = g.next_seq++;
    g.lease.sent(seq, self->clock().now());
    // High priority, both ways: a renewal must not wait behind a burst of
    // starts (or placements at the desk), or leases lapse under load. No
    // grant: the deadlines lapse by themselves.
    self->template send<caf::message_priority::high>(g.desk, renew_atom::value, seq,
                                            uint64_t{children.size()}, g.copy.generation());
  }

  // A grant from the desk at `who` for renewal `seq` (matched against the
  // renewals sent: anything else renews nothing).
  void granted(const caf::actor_addr& who, uint64_t seq, const grant_delta& delta) {
    auto gi = grantors.find(who);
    if (gi == grantors.end() || !gi->second.desk)
      return;
    auto& g = gi->second;
    auto t0 = g.lease.granted(seq);
    std::vector<uint64_t> dropped;
    if (!t0 || !g.copy.apply(delta, dropped))
      return; // a renewal forgotten, or a grant overtaken: it renews nothing
    for (auto epoch : dropped)
      if (auto ci = g.children.find(epoch); ci != g.children.end())
        fence(children.at(ci->second), "its supervisor released it");
    for (auto& [length, cls] : g.classes) {
      auto d = steady_ns(*t0 + length);
      if (d > cls.deadline->load())
        cls.deadline->store(d, std::memory_order_release);
    }
    auto ready = std::stable_partition(g.pending.begin(), g.pending.end(),
                                       [&](const pending_start& p) { return p.need_seq > seq; });
    std::vector<pending_start> decided(std::make_move_iterator(ready),
                                       std::make_move_iterator(g.pending.end()));
    g.pending.erase(ready, g.pending.end());
    for (auto& p : decided) {
      if (g.copy.contains(p.terms.epoch)) {
        spawn(who, p, *t0);
      } else {
        p.rp.deliver(make_error(errc::lease_expired,
                                fmt::format("key {}: epoch {} was not confirmed by its supervisor",
                                            p.terms.key, p.terms.epoch)));
      }
    }
  }

  void spawn(const caf::actor_addr& who, pending_start& p, clock::time_point t0) {
    auto guard = lock_lease_registry(); // the child's lease_of() waits for put_lease
    auto h = self->system().template spawn<caf::actor>(p.type, p.args);
    if (!h) {
      guard.unlock();
      p.rp.deliver(make_error(actors_errc::refused,
                              fmt::format("cannot spawn \"{}\": {}", p.type, render(h.error()))));
      return;
    }
    auto* ptr = caf::actor_cast<caf::abstract_actor*>(*h);
    if (dynamic_cast<caf::blocking_actor*>(ptr) != nullptr) {
      guard.unlock();
      caf::anon_send_exit(*h, caf::exit_reason::kill);
      p.rp.deliver(make_error(actors_errc::refused,
                              fmt::format("\"{}\" is a blocking actor: its lease could not be "
                                          "enforced (run it as a command)", p.type)));
      return;
    }
    auto& g = grantors[who];
    auto& cls = g.classes[p.terms.length];
    auto d = steady_ns(t0 + p.terms.length); // a new class starts at this grant's deadline
    if (d > cls.deadline->load())
      cls.deadline->store(d, std::memory_order_release);
    auto ended = std::make_shared<std::atomic<bool>>(false);
    put_lease(ptr, lease_token{p.terms.epoch, cls.deadline, ended, token_clock}, p.terms.key);
    guard.unlock();
    ++cls.live;
    auto addr = h->address();
    g.children[p.terms.epoch] = addr;
    children[addr] = child_entry{p.terms, *h, who, std::move(ended), false};
    self->monitor(*h);
    log.info("started {} for {} (epoch {})", p.type, p.terms.key, p.terms.epoch);
    p.rp.deliver(*h);
  }

  // Stops `c`: its lease is over. Killed after its grace if still running.
  void fence(child_entry& c, const char* why) {
    if (c.fenced)
      return;
    c.fenced = true;
    c.ended->store(true, std::memory_order_release);
    if (auto gi = grantors.find(c.desk); gi != grantors.end())
      --gi->second.classes.at(c.terms.length).live;
    log.warning("stopping {} (epoch {}): {}", c.terms.key, c.terms.epoch, why);
    self->template send<caf::message_priority::high>(
      c.actor, caf::exit_msg{self->address(), make_error(errc::lease_expired, why)});
    self->delayed_send(self, c.terms.grace, kill_atom::value, c.actor.address());
  }

  // Fences every child whose deadline passed: a walk over a grantor's
  // children only when one of its deadlines lapsed.
  void check_deadlines() {
    auto now = steady_ns(self->clock().now());
    for (auto& [who, g] : grantors) {
      bool lapsed = false;
      for (auto& [length, cls] : g.classes)
        lapsed = lapsed || (cls.live > 0 && now >= cls.deadline->load());
      if (!lapsed)
        continue;
      for (auto& [epoch, addr] : g.children)
        if (auto& c = children.at(addr);
            !c.fenced && now >= g.classes.at(c.terms.length).deadline->load())
          fence(c, "its lease lapsed");
    }
  }

  void tick(const caf::actor_addr& who) {
    check_deadlines();
    if (!who)
      return; // a deadline check only
    auto gi = grantors.find(who);
    if (gi == grantors.end())
      return;
    auto& g = gi->second;
    if (!g.desk || (g.children.empty() && g.pending.empty())) {
      g.ticking = false; // nothing to renew (or nobody to ask)
      return;
    }
    renew(who);
    self->delayed_send(self, interval(g), tick_atom::value, who);
    // A deadline the next tick might pass gets a timer of its own (a tick
    // checks only deadlines already lapsed).
    auto now = steady_ns(self->clock().now());
    auto soon = now + 2 * interval(g).count();
    for (auto& [length, cls] : g.classes)
      if (auto d = cls.deadline->load(); cls.live > 0 && d <= soon)
        self->delayed_send(self, std::chrono::nanoseconds{std::max<int64_t>(d - now, 0)},
                           tick_atom::value, caf::actor_addr{});
  }

  void down(const caf::down_msg& msg) {
    if (auto ci = children.find(msg.source); ci != children.end()) {
      auto& c = ci->second;
      erase_lease(caf::actor_cast<caf::abstract_actor*>(c.actor), c.terms.epoch);
      if (auto gi = grantors.find(c.desk); gi != grantors.end()) {
        if (!c.fenced)
          --gi->second.classes.at(c.terms.length).live;
        gi->second.children.erase(c.terms.epoch);
        forget_if_gone(gi);
      }
      children.erase(ci);
      return;
    }
    auto gi = grantors.find(msg.source);
    if (gi == grantors.end())
      return;
    // The requesting process is gone or cut off: nobody renews its leases.
    for (auto& [epoch, addr] : gi->second.children)
      fence(children.at(addr), "the connection to its supervisor was lost");
    for (auto& p : gi->second.pending)
      p.rp.deliver(make_error(errc::lease_expired, "the connection to its supervisor was lost"));
    gi->second.pending.clear();
    gi->second.desk = nullptr;
    forget_if_gone(gi);
  }

  // A grantor whose desk is gone is forgotten once its last child ended.
  void forget_if_gone(std::map<caf::actor_addr, grantor>::iterator gi) {
    if (!gi->second.desk && gi->second.children.empty())
      grantors.erase(gi);
  }

  // The agent itself stops: so do its children.
  void stop_all() {
    for (auto& [addr, c] : children) {
      c.ended->store(true, std::memory_order_release);
      erase_lease(caf::actor_cast<caf::abstract_actor*>(c.actor), c.terms.epoch);
      caf::anon_send<caf::message_priority::high>(
        c.actor, caf::exit_msg{self->address(), make_error(errc::node_lost, "its node agent stopped")});
    }
    children.clear();
  }
};

template <class Self>
caf::behavior agent(Self* self, std::shared_ptr<const std::vector<std::string>> allow, logger log,
                    bool simulated) {
  auto st = std::make_shared<agent_state<Self>>(agent_state<Self>{
    self, std::move(allow), std::move(log), simulated ? &self->clock() : nullptr, {}, {}, {}});
  self->attach_functor([st] { st->stop_all(); });
  self->set_down_handler([st](caf::down_msg& msg) { st->down(msg); });
  return {
    [st](start_atom, std::string& key, uint64_t epoch, std::string& type, caf::message& args,
         caf::actor& desk, int64_t lease_ns, int64_t grace_ns) {
      return st->start(std::move(key), epoch, std::move(type), std::move(args), std::move(desk),
                       lease_ns, grace_ns);
    },
    [st](flush_atom, const caf::actor_addr& who) {
      auto gi = st->grantors.find(who);
      if (gi == st->grantors.end())
        return;
      gi->second.flush_queued = false;
      if (gi->second.desk)
        st->renew(who);
    },
    [st](tick_atom, const caf::actor_addr& who) { st->tick(who); },
    [st](grant_atom, uint64_t seq, uint64_t from, uint64_t to, bool full,
         std::vector<uint64_t>& added, std::vector<uint64_t>& removed) {
      auto who = caf::actor_cast<caf::actor_addr>(st->self->current_sender());
      st->granted(who, seq, grant_delta{from, to, full, std::move(added), std::move(removed)});
    },
    [st](kill_atom, const caf::actor_addr& who) {
      if (auto ci = st->children.find(who); ci != st->children.end())
        st->self->send_exit(ci->second.actor, caf::exit_reason::kill);
    },
    [st](load_atom) { return uint64_t{st->children.size()}; },
  };
}

} // namespace

// A broker without connections: it runs on CAF's I/O thread, like the
// BASP broker that delivers its grants. Its timers and the grants (with
// middleman.workers = 0, distribution.hpp) then wake no scheduler worker.
caf::actor spawn_agent(caf::actor_system& sys, std::shared_ptr<const std::vector<std::string>> allow,
                       logger log) {
  return sys.middleman().spawn_broker(agent<caf::io::broker>, std::move(allow), std::move(log),
                                        false);
}

caf::actor spawn_simulated_agent(caf::actor_system& sys,
                                 std::shared_ptr<const std::vector<std::string>> allow, logger log) {
  return sys.spawn(agent<caf::event_based_actor>, std::move(allow), std::move(log), true);
}

} // namespace supervise::actors::detail
