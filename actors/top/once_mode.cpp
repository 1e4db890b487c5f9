// once_mode.cpp — --once: a follower per endpoint that takes one snapshot.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "endpoint_follower.hpp"
#include "snapshot_output.hpp"
#include "top_modes.hpp"

namespace supervise::top {

namespace {

// Collects one snapshot or one failure per endpoint.
class snapshot_collector : public endpoint_listener {
public:
  explicit snapshot_collector(size_t n) : snaps_(n), failures_(n) {}

  // Blocks until every endpoint delivered or failed, at most `bound`;
  // true when all did.
  bool wait(std::chrono::nanoseconds bound) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, bound, [&] { return decided_ == snaps_.size(); });
  }
  std::vector<std::optional<snapshot_reply>> snapshots() {
    std::lock_guard<std::mutex> guard{mtx_};
    return snaps_;
  }
  std::vector<std::string> failures() {
    std::lock_guard<std::mutex> guard{mtx_};
    return failures_;
  }

  void connected(size_t, const hello_reply&) override {}
  void events(size_t, follow_reply) override {}
  void snapshot(size_t index, snapshot_reply snap) override {
    decide(index, [&] { snaps_.at(index) = std::move(snap); });
  }
  void lost(size_t index, const std::string& why) override {
    decide(index, [&] { failures_.at(index) = why; });
  }

private:
  template <class F>
  void decide(size_t index, F set) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (snaps_.at(index) || !failures_.at(index).empty())
        return;
      set();
      ++decided_;
    }
    cv_.notify_all();
  }

  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<std::optional<snapshot_reply>> snaps_;
  std::vector<std::string> failures_;
  size_t decided_ = 0;
};

} // namespace

int run_once(caf::actor_system& sys, const top_options& opts) {
  auto collector = std::make_shared<snapshot_collector>(opts.endpoints.size());
  std::vector<caf::actor> followers;
  follower_options fo;
  fo.follow = false;
  for (size_t i = 0; i < opts.endpoints.size(); ++i) {
    fo.address = opts.endpoints[i];
    fo.tls = opts.tls();
    fo.index = i;
    followers.push_back(spawn_endpoint_follower(sys, fo, collector));
  }
  // A connect, a hello and a snapshot, each bounded by request_timeout.
  bool all = collector->wait(3 * fo.request_timeout + std::chrono::seconds(1));
  for (auto& f : followers)
    caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
  auto addresses = addresses_of(opts);
  auto snaps = collector->snapshots();
  auto failures = collector->failures();
  bool failed = !all;
  for (size_t i = 0; i < snaps.size(); ++i) {
    if (!failures[i].empty())
      std::fprintf(stderr, "supervise-top: %s\n", failures[i].c_str());
    else if (!snaps[i])
      std::fprintf(stderr, "supervise-top: %s: no snapshot in time\n", addresses[i].c_str());
    failed = failed || !snaps[i];
  }
  if (failed)
    return 1;
  std::vector<endpoint_snapshot> xs;
  dn_filter filter{opts.filter};
  for (size_t i = 0; i < snaps.size(); ++i) {
    if (!filter.empty() && shown_nodes(*snaps[i], filter).empty())
      std::fprintf(stderr, "supervise-top: %s: no node matches '%s'\n", addresses[i].c_str(),
                   opts.filter.c_str());
    xs.push_back({addresses[i], std::move(*snaps[i])});
  }
  std::string out;
  switch (opts.format) {
    case once_format::text: out = snapshot_text(xs, filter); break;
    case once_format::json: out = snapshot_json(xs, filter); break;
    case once_format::dot: out = snapshot_dot(xs, filter); break;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

} // namespace supervise::top
