// inspection/inspection_server.cpp — the actor inspectors talk to: hello,
// shared snapshots, and long-polled event batches per follower.
//
// Followers: each inspector following the stream, named by its actor. A
// follow request is answered at once when events wait for it, else held
// until the next append (the ring wakes us once) or its wait runs out. One
// that has not asked for stall_timeout is dropped. Nothing here can slow an
// engine: engines only append to the ring.
#include <algorithm>
#include <chrono>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include <caf/all.hpp>

#include "inspection/inspection_core.hpp"
#include "inspection/inspection_json.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/actors/inspection_protocol.hpp"
#include "supervise/names.hpp"

namespace supervise::actors::detail {

namespace {

using wake_atom = caf::atom_constant<caf::atom("sv_iwake")>;
using wait_over_atom = caf::atom_constant<caf::atom("sv_iwaited")>;
using sweep_atom = caf::atom_constant<caf::atom("sv_isweep")>;
using paced_atom = caf::atom_constant<caf::atom("sv_ipaced")>;

using clock_type = caf::actor_clock::clock_type;

struct follower {
  clock_type::time_point last_asked{};
  clock_type::time_point last_reply{}; // with events: the next one not before + follow_interval
  bool waiting = false; // a follow request is held
  bool paced = false;   // a paced_atom is under way for it
  caf::response_promise reply;
  uint64_t after = 0;
  uint64_t token = 0;
};

struct server_state {
  std::shared_ptr<inspection_core> core;
  std::string root;
  std::unordered_map<caf::actor_addr, follower> followers;
  std::unordered_set<caf::actor_addr> dropped; // told once, when they ask again
  std::deque<caf::actor_addr> dropped_order;   // bounds `dropped` (entries may be told already)
  uint64_t next_token = 0;
  // The shared snapshot.
  std::string snapshot;
  clock_type::time_point snapshot_at{};
  bool snapshot_taken = false;
  bool snapshot_running = false;
  std::vector<caf::response_promise> snapshot_waiting;
};

constexpr size_t dropped_kept = 1024;

void answer(server_state& st, follower& f, clock_type::time_point now) {
  auto s = st.core->ring.read_after(f.after, st.core->opts.batch);
  f.waiting = false;
  if (!s.records.empty())
    f.last_reply = now;
  f.reply.deliver(events_json(s));
}

// Answers a held request that has events to read, unless its last reply
// with events was less than follow_interval ago: then once that has passed
// (a storm costs each follower one batch per interval; the rest it skips,
// counted as dropped).
void answer_paced(caf::event_based_actor* self, server_state& st, const caf::actor_addr& who,
                  follower& f, clock_type::time_point now) {
  if (!f.waiting || st.core->ring.newest() <= f.after)
    return;
  auto ready = f.last_reply + st.core->opts.follow_interval;
  if (now >= ready) {
    answer(st, f, now);
  } else if (!f.paced) {
    f.paced = true;
    self->delayed_send(self, ready - now, paced_atom::value, who);
  }
}

// Held requests with events to read now get them; the ring wakes us at the
// next append while any still waits (armed before reading: none is missed).
void serve_waiting(caf::event_based_actor* self, server_state& st) {
  bool any = std::any_of(st.followers.begin(), st.followers.end(),
                         [](auto& x) { return x.second.waiting; });
  if (!any)
    return;
  caf::weak_actor_ptr me = self->ctrl();
  st.core->ring.wake_on_next([me] {
    if (auto a = caf::actor_cast<caf::actor>(me))
      caf::anon_send(a, wake_atom::value);
  });
  auto now = self->clock().now();
  for (auto& [who, f] : st.followers)
    answer_paced(self, st, who, f, now);
}

void drop(server_state& st, const caf::actor_addr& who) {
  st.followers.erase(who);
  --st.core->followers;
  ++st.core->dropped_followers;
  if (st.dropped.insert(who).second)
    st.dropped_order.push_back(who);
  if (st.dropped_order.size() > dropped_kept) {
    st.dropped.erase(st.dropped_order.front());
    st.dropped_order.pop_front();
  }
}

int64_t taken_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

caf::behavior inspection_server(caf::event_based_actor* self,
                                std::shared_ptr<inspection_core> core) {
  auto st = std::make_shared<server_state>();
  st->core = core;
  st->root = core->root();
  // This server's followers stop counting when it ends, however it ends.
  self->attach_functor([st] { st->core->followers -= st->followers.size(); });
  auto sweep_every = std::max(std::chrono::nanoseconds{std::chrono::milliseconds(10)},
                              core->opts.stall_timeout / 2);
  self->delayed_send(self, sweep_every, sweep_atom::value);
  return {
    [st](inspect_hello_atom) {
      auto& o = st->core->opts;
      return hello_json(st->root, o.buffer, o.batch,
                        std::chrono::duration_cast<std::chrono::milliseconds>(o.stall_timeout)
                          .count());
    },
    [self, st](inspect_snapshot_atom) {
      auto rp = self->make_response_promise();
      auto now = self->clock().now();
      if (st->snapshot_taken && now - st->snapshot_at <= st->core->opts.snapshot_max_age) {
        rp.deliver(st->snapshot);
        return rp;
      }
      st->snapshot_waiting.push_back(rp);
      if (!std::exchange(st->snapshot_running, true))
        supervise::snapshot(self, st->root, [self, st](std::vector<node_info> nodes) {
          st->snapshot = snapshot_json(st->root, taken_unix_ms(), nodes);
          st->snapshot_at = self->clock().now();
          st->snapshot_taken = true;
          st->snapshot_running = false;
          for (auto& w : st->snapshot_waiting)
            w.deliver(st->snapshot);
          st->snapshot_waiting.clear();
        });
      return rp;
    },
    [self, st](inspect_follow_atom, uint64_t after, uint32_t wait_ms) {
      // Before the promise, which takes the sender out of the message.
      auto who = caf::actor_cast<caf::actor_addr>(self->current_sender());
      auto rp = self->make_response_promise();
      if (!who) { // an anonymous message: no follower to name
        rp.deliver(make_error(actors_errc::refused, "follow: send it as a request from an actor"));
        return rp;
      }
      if (st->dropped.erase(who) != 0) { // told once; its next request starts again
        rp.deliver(make_error(actors_errc::inspector_dropped,
                              "did not ask for longer than the stall timeout; the next follow "
                              "request starts again"));
        return rp;
      }
      auto [i, fresh] = st->followers.try_emplace(who);
      if (fresh)
        ++st->core->followers;
      auto& f = i->second;
      auto now = self->clock().now();
      f.last_asked = now;
      if (f.waiting) // a second request from the same follower: the first ends now
        answer(*st, f, now);
      auto newest = st->core->ring.newest();
      f.after = std::min(after, newest); // numbered by an earlier server: from now on
      f.reply = rp;
      f.waiting = true;
      if (wait_ms == 0) {
        answer(*st, f, now);
        return rp;
      }
      f.token = ++st->next_token;
      auto wait = std::chrono::milliseconds(std::min(wait_ms, longest_follow_wait_ms));
      self->delayed_send(self, wait, wait_over_atom::value, who, f.token);
      answer_paced(self, *st, who, f, now);
      if (f.waiting)
        serve_waiting(self, *st);
      return rp;
    },
    [self, st](wake_atom) { serve_waiting(self, *st); },
    [self, st](wait_over_atom, const caf::actor_addr& who, uint64_t token) {
      auto i = st->followers.find(who);
      if (i != st->followers.end() && i->second.waiting && i->second.token == token)
        answer(*st, i->second, self->clock().now());
    },
    [self, st](paced_atom, const caf::actor_addr& who) {
      auto i = st->followers.find(who);
      if (i == st->followers.end())
        return;
      i->second.paced = false;
      answer_paced(self, *st, who, i->second, self->clock().now());
    },
    [self, st, sweep_every](sweep_atom) {
      auto now = self->clock().now();
      std::vector<caf::actor_addr> stalled;
      for (auto& [who, f] : st->followers)
        if (!f.waiting && now - f.last_asked > st->core->opts.stall_timeout)
          stalled.push_back(who);
      for (auto& who : stalled)
        drop(*st, who);
      self->delayed_send(self, sweep_every, sweep_atom::value);
    },
  };
}

} // namespace supervise::actors::detail
