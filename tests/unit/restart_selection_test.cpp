// Which node restarts after a death: highest_restartable() against a
// whole-tree walk on fake trees (a dead child restarts once its subtree has
// stopped, only the highest restartable node restarts, a child of a
// cancelled parent waits, done restarts only when cancelled, waiting and
// stopped-for-good nodes are never selected). Pure: no actors.
#include "detail/restart_selection.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace supervise;
using namespace supervise::detail;

namespace {

struct fake {
  std::string name;
  node_state state = node_state::healthy;
  bool up = true, backing_off = false, cancelled = false, stopped_for_good = false;
  bool outlived = false; // a supervisor it ran ended before its children
  fake* parent = nullptr;
  std::vector<std::unique_ptr<fake>> kids;

  const std::vector<std::unique_ptr<fake>>& children() const { return kids; }
  bool running() const { return up; }
  bool waiting() const { return backing_off; }
  bool stays_down() const { return stopped_for_good; }
  bool has_stragglers() const { return outlived; }
  fake& add(std::string n) {
    kids.push_back(std::make_unique<fake>());
    kids.back()->name = std::move(n);
    kids.back()->parent = this;
    return *kids.back();
  }
  void stop(node_state s, bool cancel = true) {
    state = s;
    up = false;
    cancelled = cancel;
  }
};

// Calls `f(node&)` for each highest restartable node, top-down, without
// descending into a selected one: the whole-tree form of
// highest_restartable(), an oracle for the engine's per-event form.
template <class Node, class F>
void select_restarts(Node& n, F&& f) {
  if (is_restartable(n)) {
    f(n);
    return;
  }
  for (auto& c : n.children())
    select_restarts(*c, f);
}

std::vector<std::string> selected(fake& root) {
  std::vector<std::string> out;
  select_restarts(root, [&](fake& n) { out.push_back(n.name); });
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(restart_selection)

BOOST_AUTO_TEST_CASE(highest_restartable_agrees_with_the_full_walk) {
  // The engine asks from the node an exit touched; the answer must be what
  // the whole-tree walk selects on that path.
  fake root;
  root.name = "root";
  auto& a = root.add("a");
  auto& b = a.add("b");
  auto& c = b.add("c");
  auto& other = root.add("other");
  BOOST_CHECK(highest_restartable(c) == nullptr); // nothing stopped
  c.stop(node_state::canceled);
  b.stop(node_state::canceled);
  BOOST_CHECK(highest_restartable(c) == &b);
  a.stop(node_state::dead);
  BOOST_CHECK(highest_restartable(c) == &a); // a is higher and ready now
  BOOST_CHECK(selected(root) == std::vector<std::string>{"a"});
  BOOST_CHECK(highest_restartable(other) == nullptr); // another path
  a.stopped_for_good = true;
  BOOST_CHECK(highest_restartable(c) == nullptr); // a never restarts; b's parent is cancelled
}

BOOST_AUTO_TEST_CASE(dead_child_restarts_when_its_subtree_stopped) {
  fake root;
  root.name = "root";
  auto& a = root.add("a");
  auto& b = a.add("b");
  a.stop(node_state::dead);
  BOOST_CHECK(selected(root).empty()); // b still runs
  b.stop(node_state::canceled);
  BOOST_CHECK(selected(root) == std::vector<std::string>{"a"});
}

BOOST_AUTO_TEST_CASE(only_the_highest_node_restarts) {
  fake root;
  root.name = "root";
  auto& a = root.add("a");
  auto& b = a.add("b");
  a.stop(node_state::dead);
  b.stop(node_state::canceled);
  root.stop(node_state::dead);
  BOOST_CHECK(selected(root) == std::vector<std::string>{"root"});
}

BOOST_AUTO_TEST_CASE(child_of_cancelled_parent_waits) {
  fake root;
  root.name = "root";
  auto& a = root.add("a");
  auto& b = a.add("b");
  a.cancelled = true; // a still runs, its context is cancelled
  b.stop(node_state::canceled);
  BOOST_CHECK(selected(root).empty());
}

BOOST_AUTO_TEST_CASE(done_restarts_only_when_cancelled) {
  fake root;
  root.name = "root";
  auto& a = root.add("a");
  a.stop(node_state::done, false);
  BOOST_CHECK(selected(root).empty()); // live DONE node: never wanted
  a.cancelled = true;
  BOOST_CHECK(selected(root) == std::vector<std::string>{"a"});
}

BOOST_AUTO_TEST_CASE(waiting_and_stopped_for_good_are_not_selected) {
  fake root;
  root.name = "root";
  auto& a = root.add("a");
  auto& b = root.add("b");
  a.stop(node_state::dead);
  a.backing_off = true; // serving its backoff
  b.stop(node_state::done);
  b.stopped_for_good = true; // do_not_restart
  BOOST_CHECK(selected(root).empty());
  a.backing_off = false;
  BOOST_CHECK(selected(root) == std::vector<std::string>{"a"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(a_node_whose_supervisor_left_stragglers_waits_for_them) {
  fake root;
  root.name = "root";
  auto& sup = root.add("sup");
  sup.stop(node_state::dead); // killed; the children it asked to stop still run
  sup.outlived = true;
  BOOST_CHECK(selected(root).empty());
  BOOST_CHECK(highest_restartable(sup) == nullptr);
  sup.outlived = false; // the last of them exited
  BOOST_CHECK(selected(root) == std::vector<std::string>{"sup"});
}
