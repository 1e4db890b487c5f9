// connection_gate.cpp — the first outcome per endpoint.
#include "connection_gate.hpp"

#include <algorithm>
#include <cstdio>

#include <caf/send.hpp>
#include <fmt/format.h>

namespace supervise::top {

connection_gate::connection_gate(size_t endpoints, std::shared_ptr<endpoint_listener> next)
  : next_(std::move(next)), outcome_(endpoints, 0), why_(endpoints) {}

std::vector<std::string> connection_gate::wait(std::chrono::nanoseconds bound,
                                               const std::vector<std::string>& addresses) {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait_for(guard, bound, [&] {
    return std::all_of(outcome_.begin(), outcome_.end(), [](int x) { return x != 0; });
  });
  std::vector<std::string> failed;
  for (size_t i = 0; i < outcome_.size(); ++i) {
    if (outcome_[i] == 2)
      failed.push_back(why_[i]);
    else if (outcome_[i] == 0)
      failed.push_back(fmt::format("{}: no answer within {}s", addresses.at(i),
                                   std::chrono::duration_cast<std::chrono::seconds>(bound).count()));
  }
  return failed;
}

void connection_gate::connected(size_t index, const hello_reply& hello) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (outcome_.at(index) == 0)
      outcome_[index] = 1;
  }
  cv_.notify_all();
  next_->connected(index, hello);
}

void connection_gate::snapshot(size_t index, snapshot_reply snap) {
  next_->snapshot(index, std::move(snap));
}

void connection_gate::events(size_t index, follow_reply batch) {
  next_->events(index, std::move(batch));
}

void connection_gate::lost(size_t index, const std::string& why) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (outcome_.at(index) == 0) {
      outcome_[index] = 2;
      why_[index] = why;
    }
  }
  cv_.notify_all();
  next_->lost(index, why);
}

std::vector<caf::actor> connect_followers(caf::actor_system& sys, const top_options& opts,
                                          follower_options fo,
                                          const std::shared_ptr<connection_gate>& gate) {
  std::vector<caf::actor> followers;
  for (size_t i = 0; i < opts.endpoints.size(); ++i) {
    fo.address = opts.endpoints[i];
    fo.tls = opts.tls();
    fo.index = i;
    followers.push_back(spawn_endpoint_follower(sys, fo, gate));
  }
  auto failed = gate->wait(2 * fo.request_timeout + std::chrono::seconds(1), addresses_of(opts));
  if (failed.empty())
    return followers;
  for (auto& why : failed)
    std::fprintf(stderr, "supervise-top: %s\n", why.c_str());
  stop_followers(followers);
  return {};
}

void stop_followers(const std::vector<caf::actor>& followers) {
  for (auto& f : followers)
    caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
}

} // namespace supervise::top
