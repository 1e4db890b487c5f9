#include "supervise/errc.hpp"

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include <mutex>
#include <string>
#include <vector>

namespace supervise {

const char* to_string(errc x) noexcept {
  switch (x) {
    case errc::none: return "none";
    case errc::do_not_restart: return "do_not_restart";
    case errc::terminate_tree: return "terminate_tree";
    case errc::runnable_threw: return "runnable_threw";
    case errc::returned_without_done: return "returned_without_done";
    case errc::invalid_name: return "invalid_name";
    case errc::duplicate_name: return "duplicate_name";
    case errc::not_new: return "not_new";
    case errc::signal_misuse: return "signal_misuse";
    case errc::stale_context: return "stale_context";
    case errc::empty_runnable: return "empty_runnable";
    case errc::invalid_option: return "invalid_option";
    case errc::wrong_supervisor: return "wrong_supervisor";
    case errc::unknown_token: return "unknown_token";
    case errc::not_started: return "not_started";
    case errc::not_running: return "not_running";
    case errc::already_started: return "already_started";
    case errc::timeout: return "timeout";
    case errc::would_deadlock: return "would_deadlock";
    case errc::still_running: return "still_running";
    case errc::not_standalone: return "not_standalone";
    case errc::shutdown: return "shutdown";
    case errc::start_failed: return "start_failed";
    case errc::unknown_child: return "unknown_child";
    case errc::child_running: return "child_running";
    case errc::already_present: return "already_present";
    case errc::simple_one_for_one: return "simple_one_for_one";
    case errc::node_lost: return "node_lost";
    case errc::no_node_available: return "no_node_available";
    case errc::lease_expired: return "lease_expired";
    case errc::stale_epoch: return "stale_epoch";
  }
  return "unknown";
}

namespace {

struct added_category {
  caf::atom_value cat;
  const char* prefix;
  const char* (*name)(uint8_t);
};

std::mutex categories_mtx;
std::vector<added_category>& categories() {
  static std::vector<added_category> xs;
  return xs;
}

// The prefix and code name of `err` when its category is ours or added.
bool named(const caf::error& err, const char*& prefix, const char*& name) {
  if (err.category() == category) {
    prefix = "supervise";
    name = to_string(static_cast<errc>(err.code()));
    return true;
  }
  std::lock_guard<std::mutex> guard{categories_mtx};
  for (auto& c : categories())
    if (c.cat == err.category()) {
      prefix = c.prefix;
      name = c.name(err.code());
      return true;
    }
  return false;
}

} // namespace

void add_category(caf::atom_value cat, const char* prefix, const char* (*name)(uint8_t code)) {
  std::lock_guard<std::mutex> guard{categories_mtx};
  categories().push_back({cat, prefix, name});
}

std::string detail_of(const caf::error& err) {
  const char* prefix;
  const char* name;
  if (!err || !named(err, prefix, name) || err.context().empty())
    return {};
  if (err.context().match_elements<std::string>())
    return err.context().get_as<std::string>(0);
  return {};
}

namespace {

// What an error carries besides its code, as render() shows it: the string
// it was made with (even an empty one: invalid_name("") names the empty
// name), or CAF's text of another context; empty when it carries nothing.
std::string shown_context(const caf::error& err) {
  auto& ctx = err.context();
  if (ctx.empty())
    return {};
  if (ctx.match_elements<std::string>())
    return "(\"" + ctx.get_as<std::string>(0) + "\")";
  return "(" + caf::to_string(ctx) + ")";
}

} // namespace

std::string render(const caf::error& err) {
  if (!err)
    return "none";
  const char* prefix;
  const char* name;
  if (named(err, prefix, name))
    return std::string{prefix} + "::" + name + shown_context(err);
  if (err.category() == caf::atom("exit"))
    return "exit::" + caf::to_string(static_cast<caf::exit_reason>(err.code()))
           + shown_context(err);
  if (err.category() == caf::atom("system"))
    return "system::" + caf::to_string(static_cast<caf::sec>(err.code())) + shown_context(err);
  return caf::to_string(err);
}

} // namespace supervise
