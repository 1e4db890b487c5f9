// live_screen.cpp — drawing the live view with ncurses.
#include "live_screen.hpp"

#include <algorithm>
#include <atomic>
#include <clocale>
#include <csignal>
#include <cstdlib>

#include <curses.h>
#include <fmt/format.h>

#include "event_line.hpp"

namespace supervise::top {

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
  interrupted = true;
}

// Colour pairs.
constexpr short green = 1, red = 2, yellow = 3, blue = 4, plain = 5;

constexpr int key_escape = 27;

short colour_of(node_state s) {
  switch (s) {
    case node_state::healthy: return green;
    case node_state::dead: return red;
    case node_state::new_: return yellow;
    case node_state::done: return blue;
    case node_state::canceled: return plain;
  }
  return plain;
}

attr_t attributes_of(node_state s) {
  auto a = static_cast<attr_t>(COLOR_PAIR(colour_of(s)));
  return s == node_state::canceled ? a | A_DIM : a | A_BOLD;
}

// Writes `text` at (y, x), cut at the right edge, with `attr`.
void put(int y, int x, const std::string& text, attr_t attr = A_NORMAL) {
  if (y < 0 || y >= LINES || x >= COLS)
    return;
  attrset(attr);
  mvaddnstr(y, x, text.c_str(), COLS - x);
  attrset(A_NORMAL);
}

// A whole-width bar (title, separator) in reverse video.
void bar(int y, const std::string& text) {
  auto line = text;
  if (static_cast<int>(line.size()) < COLS)
    line.append(static_cast<size_t>(COLS) - line.size(), ' ');
  put(y, 0, line, A_REVERSE);
}

} // namespace

live_screen::live_screen(const live_model& model, dn_filter filter, std::string interval_text)
  : model_(model), filter_(std::move(filter)), interval_text_(std::move(interval_text)) {}

std::string live_screen::run() {
  std::setlocale(LC_ALL, "");
  // newterm, not initscr: an unusable terminal is reported, not exited on.
  SCREEN* screen = newterm(nullptr, stdout, stdin);
  if (screen == nullptr) {
    auto term = std::getenv("TERM");
    return fmt::format("cannot drive the terminal (TERM={}): use --once, or pipe the output",
                       term != nullptr ? term : "(unset)");
  }
  // The terminal is given back however the loop ends.
  struct terminal_release {
    SCREEN* screen;
    ~terminal_release() {
      endwin();
      delscreen(screen);
    }
  } release{screen};
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  set_escdelay(25);
  curs_set(0);
  timeout(100); // getch waits this long: the redraw period
  if (has_colors()) {
    start_color();
    use_default_colors();
    init_pair(green, COLOR_GREEN, -1);
    init_pair(red, COLOR_RED, -1);
    init_pair(yellow, COLOR_YELLOW, -1);
    init_pair(blue, COLOR_BLUE, -1);
    init_pair(plain, -1, -1);
  }
  for (;;) {
    draw();
    int key = getch();
    if (interrupted)
      break;
    if (key == ERR || key == KEY_RESIZE)
      continue;
    if (!(prompting_ ? on_prompt_key(key) : on_key(key)))
      break;
  }
  return {};
}

bool live_screen::on_key(int key) {
  int page = std::max(1, tree_height_ - 1);
  switch (key) {
    case 'q':
    case 'Q':
      return false;
    case '/':
      prompting_ = true;
      input_ = filter_.pattern();
      curs_set(1);
      break;
    case 'f':
    case 'F':
      follow_ = !follow_;
      if (!follow_) {
        auto view = model_.view();
        frozen_ = event_texts(view);
        frozen_total_ = view.events_total;
      }
      break;
    case KEY_UP: --scroll_; break;
    case KEY_DOWN: ++scroll_; break;
    case KEY_PPAGE: scroll_ -= page; break;
    case KEY_NPAGE: scroll_ += page; break;
    case KEY_HOME: scroll_ = 0; break;
    case KEY_END: scroll_ = 1 << 30; break; // clamped when drawn
    default: break;
  }
  return true;
}

bool live_screen::on_prompt_key(int key) {
  if (key == '\n' || key == '\r' || key == KEY_ENTER) {
    filter_ = dn_filter{input_};
    scroll_ = 0;
    prompting_ = false;
  } else if (key == key_escape) {
    prompting_ = false;
  } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
    if (!input_.empty())
      input_.pop_back();
  } else if (key >= 32 && key < 127) {
    input_ += static_cast<char>(key);
  }
  if (!prompting_)
    curs_set(0);
  return true;
}

std::vector<live_screen::event_text> live_screen::event_texts(const live_view& view) const {
  std::vector<event_text> out;
  for (auto& r : view.events) {
    auto& ev = r.event;
    if (!filter_.matches(event_dn(ev)))
      continue;
    event_text t;
    t.line = event_line(ev);
    if (view.endpoints.size() > 1)
      t.line = view.endpoints.at(r.endpoint).address + " " + t.line;
    if (ev.kind == "state" && !ev.state.empty()) {
      try {
        t.colour = colour_of(state_named(ev.state));
      } catch (const std::exception&) {
        t.colour = 0;
      }
    } else if (ev.kind.find("fail") != std::string::npos
               || ev.kind.find("gave") != std::string::npos
               || ev.kind.find("give") != std::string::npos) {
      t.colour = red;
    } else if (ev.kind.find("backoff") != std::string::npos) {
      t.colour = yellow;
    }
    out.push_back(std::move(t));
  }
  return out;
}

void live_screen::draw() {
  auto view = model_.view();
  auto now = std::chrono::steady_clock::now();
  erase();
  bar(0, fmt::format(" supervise-top  {} endpoint{}  every {}  filter: {}  follow: {}  {}",
                     view.endpoints.size(), view.endpoints.size() == 1 ? "" : "s",
                     interval_text_, filter_.empty() ? "-" : filter_.pattern(),
                     follow_ ? "on" : "off", clock_text_now().substr(0, 8)));
  // Events take a third of the screen (2..12 lines) when it has room.
  int events_height = LINES >= 12 ? std::clamp((LINES - 4) / 3, 2, 12) : 0;
  int tree_top = 2;
  int tree_end = LINES - 1 - (events_height > 0 ? events_height + 1 : 0);
  tree_height_ = std::max(1, tree_end - tree_top);
  draw_tree(tree_rows(view, filter_, now), tree_top, tree_end - tree_top);
  if (events_height > 0)
    draw_events(view, tree_end, events_height);
  if (prompting_) {
    std::string label = "filter (glob with * and ?, or substring; Enter applies, Esc cancels): ";
    if (static_cast<int>(label.size()) + 20 > COLS)
      label = "filter: ";
    int x = static_cast<int>(label.size());
    put(LINES - 1, 0, label);
    put(LINES - 1, x, input_, A_BOLD);
    move(LINES - 1, std::min(COLS - 1, x + static_cast<int>(input_.size())));
  } else {
    put(LINES - 1, 0, "q quit  / filter  f follow events  Up/Down PgUp/PgDn Home/End scroll",
        A_DIM);
  }
  refresh();
}

void live_screen::draw_tree(const std::vector<tree_row>& rows, int top, int height) {
  size_t longest = 4;
  for (auto& r : rows)
    if (r.what == tree_row::kind::node)
      longest = std::max(longest, r.name.size());
  int name_w = std::clamp(static_cast<int>(longest) + 2, 16, std::max(16, COLS / 3));
  int state_x = name_w, restarts_x = state_x + 10, rate_x = restarts_x + 10,
      up_x = rate_x + 8, detail_x = up_x + 10;
  auto header = A_BOLD | A_UNDERLINE;
  put(1, 0, "NAME", header);
  put(1, state_x, "STATE", header);
  put(1, restarts_x, "RESTARTS", header);
  put(1, rate_x, "R/S", header);
  put(1, up_x, "UP", header);
  put(1, detail_x, "DETAILS", header);
  if (height <= 0)
    return;
  int most = std::max(0, static_cast<int>(rows.size()) - height);
  scroll_ = std::clamp(scroll_, 0, most);
  for (int i = 0; i < height && scroll_ + i < static_cast<int>(rows.size()); ++i) {
    auto& r = rows[static_cast<size_t>(scroll_ + i)];
    int y = top + i;
    switch (r.what) {
      case tree_row::kind::endpoint:
        put(y, 0, r.text, r.lost ? static_cast<attr_t>(COLOR_PAIR(red)) | A_BOLD : A_BOLD);
        break;
      case tree_row::kind::note:
        put(y, 0, r.text, A_DIM);
        break;
      case tree_row::kind::node: {
        attr_t rest = r.lost ? A_DIM : A_NORMAL;
        put(y, 0, r.name, rest);
        put(y, state_x, to_string(r.state), r.lost ? A_DIM : attributes_of(r.state));
        put(y, restarts_x, r.restarts, rest);
        put(y, rate_x, r.rate, rest);
        put(y, up_x, r.up, rest);
        put(y, detail_x, r.detail, rest);
        break;
      }
    }
  }
  if (scroll_ > 0)
    put(top, COLS - 8, " ^ more ", A_REVERSE);
  if (scroll_ < most)
    put(top + height - 1, COLS - 8, " v more ", A_REVERSE);
}

void live_screen::draw_events(const live_view& view, int top, int height) {
  uint64_t dropped = 0;
  for (auto& e : view.endpoints)
    dropped += e.dropped;
  auto title = fmt::format("-- events (newest last)  {} received", view.events_total);
  if (dropped != 0)
    title += fmt::format("  dropped {}", dropped);
  if (!follow_)
    title += fmt::format("  follow off (f): {} new", view.events_total - frozen_total_);
  bar(top, title + " ");
  auto lines = follow_ ? event_texts(view) : frozen_;
  size_t first = lines.size() > static_cast<size_t>(height) ? lines.size() - height : 0;
  for (size_t i = first; i < lines.size(); ++i) {
    auto attr = lines[i].colour != 0 ? static_cast<attr_t>(COLOR_PAIR(lines[i].colour))
                                     : static_cast<attr_t>(A_NORMAL);
    put(top + 1 + static_cast<int>(i - first), 0, lines[i].line, attr);
  }
}

} // namespace supervise::top
