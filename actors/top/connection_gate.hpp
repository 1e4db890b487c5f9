// connection_gate.hpp — waits until every endpoint has either said hello
// or failed to connect, passing every report on to the listener behind it.
// The live and the piped mode start only when all endpoints answered (a
// failed first connect ends the program with exit code 1).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "endpoint_follower.hpp"
#include "top_options.hpp"

namespace supervise::top {

class connection_gate : public endpoint_listener {
public:
  connection_gate(size_t endpoints, std::shared_ptr<endpoint_listener> next);

  /// Blocks until every endpoint connected or failed, at most `bound`. The
  /// reasons of those that failed ("host:port: why"), or of those still
  /// undecided after `bound`; empty when all connected.
  std::vector<std::string> wait(std::chrono::nanoseconds bound,
                                const std::vector<std::string>& addresses);

  void connected(size_t index, const hello_reply& hello) override;
  void snapshot(size_t index, snapshot_reply snap) override;
  void events(size_t index, follow_reply batch) override;
  void lost(size_t index, const std::string& why) override;

private:
  std::shared_ptr<endpoint_listener> next_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<int> outcome_; // 0 undecided, 1 connected, 2 failed
  std::vector<std::string> why_;
};

/// Spawns the follower of every endpoint of `opts` (`fo` for the rest of
/// their options) reporting to `gate`, and waits until each connected or
/// failed. On a failure prints each reason on stderr, stops the followers
/// and returns none.
std::vector<caf::actor> connect_followers(caf::actor_system& sys, const top_options& opts,
                                          follower_options fo,
                                          const std::shared_ptr<connection_gate>& gate);

/// Asks every follower to end.
void stop_followers(const std::vector<caf::actor>& followers);

} // namespace supervise::top
