// piped_mode.cpp — stdout is not a terminal: the tree of each endpoint as
// text once, then one line per event as it arrives, flushed per line.
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "connection_gate.hpp"
#include "event_line.hpp"
#include "snapshot_output.hpp"
#include "top_modes.hpp"

namespace supervise::top {

namespace {

// Prints what the followers report; remembers the first loss.
class event_printer : public endpoint_listener {
public:
  event_printer(std::vector<std::string> addresses, dn_filter filter)
    : addresses_(std::move(addresses)), filter_(std::move(filter)),
      printed_tree_(addresses_.size(), false) {}

  // Blocks until an endpoint went away; its reason.
  std::string wait_lost() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait(guard, [&] { return !lost_.empty(); });
    return lost_;
  }

  void connected(size_t, const hello_reply&) override {}

  void snapshot(size_t index, snapshot_reply snap) override {
    std::lock_guard<std::mutex> guard{mtx_};
    if (printed_tree_.at(index))
      return;
    printed_tree_[index] = true;
    std::vector<endpoint_snapshot> one{{addresses_[index], std::move(snap)}};
    auto text = snapshot_text(one, filter_);
    if (addresses_.size() > 1) // the header snapshot_text gives several endpoints
      text = "== " + addresses_[index] + " root=" + one[0].snap.root + "\n" + text;
    print(text);
  }

  void events(size_t index, follow_reply batch) override {
    std::lock_guard<std::mutex> guard{mtx_};
    std::string out;
    auto prefix = addresses_.size() > 1 ? addresses_[index] + " " : std::string{};
    if (batch.dropped != 0)
      out += prefix + clock_text_now() + " dropped " + std::to_string(batch.dropped)
             + " events (the endpoint's buffer overflowed)\n";
    for (auto& ev : batch.events)
      if (filter_.matches(event_dn(ev)))
        out += prefix + event_line(ev) + "\n";
    print(out);
  }

  void lost(size_t, const std::string& why) override {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (lost_.empty())
        lost_ = why;
    }
    cv_.notify_all();
  }

private:
  static void print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }

  std::vector<std::string> addresses_;
  dn_filter filter_;
  std::vector<bool> printed_tree_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::string lost_;
};

} // namespace

int run_piped(caf::actor_system& sys, const top_options& opts) {
  auto addresses = addresses_of(opts);
  auto printer = std::make_shared<event_printer>(addresses, dn_filter{opts.filter});
  auto gate = std::make_shared<connection_gate>(addresses.size(), printer);
  follower_options fo;
  fo.backlog = false;
  fo.refresh = false; // the tree is printed once
  auto followers = connect_followers(sys, opts, fo, gate);
  if (followers.empty())
    return 1;
  auto why = printer->wait_lost();
  std::fprintf(stderr, "supervise-top: %s\n", why.c_str());
  stop_followers(followers);
  return 1;
}

} // namespace supervise::top
