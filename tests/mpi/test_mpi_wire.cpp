// The MPI wire as untrusted input: decoders fed crafted bytes, and (under mpirun -np 2) a fake
// worker and a fake root that speak the wire format with malformed messages, and the handshake.
#include <parjit/mpi.hpp>

#include <sys/resource.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace mpi = parjit::mpi;
namespace detail = parjit::mpi::detail;

namespace {

int passed = 0, failed = 0;
int my_rank = 0;

void check(bool ok, const char* what, int line) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::printf("FAILED (rank %d) line %d: %s\n", my_rank, line, what);
    std::fflush(stdout);
  }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

// True only if `f` throws an E whose what() contains `contains`; prints what it got otherwise.
template <class E, class F>
bool throws(F&& f, const std::string& contains = "") {
  try {
    f();
  } catch (const E& e) {
    if (std::string(e.what()).find(contains) != std::string::npos) return true;
    std::printf("  threw, but the message lacks '%s': %s\n", contains.c_str(), e.what());
    return false;
  } catch (const std::exception& e) {
    std::printf("  threw another type: %s\n", e.what());
    return false;
  } catch (...) {
    return false;
  }
  std::printf("  did not throw\n");
  return false;
}

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

std::vector<char> bytes_of(std::initializer_list<std::uint64_t> words) {
  std::vector<char> v;
  mpi::writer w(v);
  for (auto x : words) w.write(x);
  return v;
}

}  // namespace

int ident(int s) { return s; }

// Scenarios the fake worker acts out, chosen by the task's int argument.
enum scenario : int {
  good = 1,
  short_reply,
  huge_string,
  bad_bool,
  trailing,
  wrong_id,
  in_pieces,
  bad_announcement,
  piece_overflow,
  too_many_results = 1000,  // chunk items
  huge_count = 2000,
};

// ---- decoders called directly --------------------------------------------------------------

void test_decoders() {
  using mpi::reader;
  {  // a string length far beyond the message: refused before allocating (was: 3 GiB)
    const long before = max_rss_kib();
    auto m = bytes_of({std::uint64_t{3} << 30});
    reader r(m.data(), m.size());
    CHECK(throws<std::runtime_error>([&] { r.read<std::string>(); }, "malformed"));
    CHECK(max_rss_kib() - before < 256 * 1024);
  }
  {  // vectors: bulk and element-wise counts checked against the bytes left
    auto m = bytes_of({std::uint64_t{1} << 61});
    reader r(m.data(), m.size());
    CHECK(throws<std::runtime_error>([&] { r.read<std::vector<double>>(); }, "malformed"));
    reader r2(m.data(), m.size());
    CHECK(throws<std::runtime_error>([&] { r2.read<std::vector<std::string>>(); }, "malformed"));
    reader r3(m.data(), m.size());
    CHECK(throws<std::runtime_error>([&] { r3.read<std::vector<bool>>(); }, "malformed"));
  }
  {  // an empty vector: no memcpy to a null pointer (UBSan)
    auto m = bytes_of({0});
    reader r(m.data(), m.size());
    CHECK(r.read<std::vector<double>>().empty());
    reader r2(m.data(), m.size());
    CHECK(r2.read<std::string>().empty());
  }
  {  // a bool byte other than 0/1, also as std::optional's flag
    const char two = 2;
    reader r(&two, 1);
    CHECK(throws<std::runtime_error>([&] { r.read<bool>(); }, "bool"));
    reader r2(&two, 1);
    CHECK(throws<std::runtime_error>([&] { r2.read<std::optional<int>>(); }, "bool"));
    const char one = 1;
    reader r3(&one, 1);
    CHECK(r3.read<bool>());
  }
  {  // a chunk reply: more results than items, a huge count, a count without its error
    using inv = detail::chunk_invoker<int (*)(int), int>;
    std::vector<char> m;
    mpi::writer w(m);
    w.write(std::uint64_t{1000});
    for (int i = 0; i < 1000; ++i) w.write(i);
    w.write(false);
    reader r(m.data(), m.size());
    CHECK(throws<std::runtime_error>([&] { inv::decode(r, 1, 2); }, "1000 results for a chunk of 2"));
    auto huge = bytes_of({std::uint64_t{1} << 60});
    reader r2(huge.data(), huge.size());
    CHECK(throws<std::runtime_error>([&] { inv::decode(r2, 1, std::uint64_t{1} << 62); },
                                     "malformed"));
    std::vector<char> m3;
    mpi::writer w3(m3);
    w3.write(std::uint64_t{1});
    w3.write(7);
    w3.write(false);
    reader r3(m3.data(), m3.size());
    CHECK(throws<std::runtime_error>([&] { inv::decode(r3, 1, 2); }, "no error"));
  }
  {  // an announcement and its pieces are checked against each other
    detail::assembly a;
    CHECK(throws<std::runtime_error>([&] { a.start(std::vector<char>(3)); }, "not 8"));
    a.start(bytes_of({10}));
    CHECK(throws<std::runtime_error>([&] { a.add(std::vector<char>(20).data(), 20); }, "left"));
    a.reset();
    a.start(bytes_of({10}));
    std::vector<char> p(5, 'x');
    CHECK(!a.add(p.data(), 5));
    CHECK(a.add(p.data(), 5));
    CHECK(a.take().size() == 10);
    CHECK(throws<std::runtime_error>([&] { a.add(p.data(), 5); }, "without an announcement"));
  }
}

// ---- a worker fed crafted task messages (serve_one, no MPI) --------------------------------

std::vector<char> task_message(std::uint64_t key, std::int64_t offset, int arg) {
  std::vector<char> m;
  mpi::writer w(m);
  w.write(std::uint64_t{42});
  w.write(key);
  w.write(offset);
  w.write(arg);
  return m;
}

// The error message of a reply, "" if it did not fail.
std::string reply_error(const std::vector<char>& out) {
  mpi::reader r(out.data(), out.size());
  r.read<std::uint64_t>();
  if (!r.read<bool>()) return "";
  r.read<std::string>();
  return r.read<std::string>();
}

void test_crafted_tasks() {
  using inv = detail::call_invoker<int (*)(int), int>;
  const std::uint64_t key = detail::checked_key<inv>();
  std::vector<char> out;
  const auto& img = detail::program_image::get();
  {  // the real offset works
    auto m = task_message(key, detail::offset_of(&ident), 5);
    detail::serve_one(m.data(), m.size(), out, 1);
    mpi::reader r(out.data(), out.size());
    CHECK(r.read<std::uint64_t>() == 42 && !r.read<bool>() && r.read<int>() == 5);
  }
  {  // offsets outside the program's code: far away, negative, a shared library's function
    for (std::int64_t off : {std::int64_t{1} << 40, std::int64_t{-64}, std::int64_t{0},
                             static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(&::cos) -
                                                       img.base)}) {
      if (img.in_code(img.base + static_cast<std::uintptr_t>(off))) continue;  // a PLT stub
      auto m = task_message(key, off, 5);
      detail::serve_one(m.data(), m.size(), out, 1);
      CHECK(reply_error(out).find("outside the program's code") != std::string::npos);
    }
  }
  {  // inside the code but not a function's first instruction (unless the binary is stripped)
    auto m = task_message(key, detail::offset_of(&ident) + 1, 5);
    detail::serve_one(m.data(), m.size(), out, 1);
    CHECK(!detail::function_table::get().available ||
          reply_error(out).find("not the start of one of its functions") != std::string::npos);
    CHECK(detail::function_table::get().available);  // the test binaries keep their symbols
  }
  {  // unknown key, short message, trailing bytes
    auto m = task_message(0x1234, 0, 5);
    detail::serve_one(m.data(), m.size(), out, 1);
    CHECK(reply_error(out).find("does not know the callable") != std::string::npos);
    detail::serve_one(m.data(), 5, out, 1);
    CHECK(out.size() > 9 && reply_error(out).find("too short") != std::string::npos);
    auto t = task_message(key, detail::offset_of(&ident), 5);
    t.push_back('x');
    detail::serve_one(t.data(), t.size(), out, 1);
    CHECK(reply_error(out).find("left over") != std::string::npos);
  }
  {  // a chunk message whose count exceeds its bytes
    using cinv = detail::chunk_invoker<int (*)(int), int>;
    std::vector<char> m;
    mpi::writer w(m);
    w.write(std::uint64_t{42});
    w.write(detail::checked_key<cinv>());
    w.write(detail::offset_of(&ident));
    w.write(std::uint64_t{1} << 62);
    detail::serve_one(m.data(), m.size(), out, 1);
    CHECK(reply_error(out).find("malformed") != std::string::npos);
  }
}

// ---- a fake worker (rank 1) replying with crafted bytes to a real root (rank 0) -------------

void send_raw(const std::vector<char>& m, int tag, MPI_Comm comm) {
  detail::check(MPI_Send(m.data(), static_cast<int>(m.size()), MPI_BYTE, 0, tag, comm), "MPI_Send");
}

void fake_worker(MPI_Comm comm) {
  std::vector<char> msg, out;
  for (;;) {
    MPI_Status st;
    detail::probe(0, MPI_ANY_TAG, comm, &st);
    if (st.MPI_TAG == detail::stop_tag) {
      MPI_Recv(nullptr, 0, MPI_BYTE, 0, detail::stop_tag, comm, MPI_STATUS_IGNORE);
      return;
    }
    detail::receive(msg, st, comm);
    std::uint64_t id = 0;
    std::memcpy(&id, msg.data(), 8);
    int s = 0;  // submit: [header][int]; chunk: [header][u64 n][int...]
    const bool chunk = msg.size() != detail::header_bytes + sizeof(int);
    std::memcpy(&s, msg.data() + detail::header_bytes + (chunk ? 8 : 0), sizeof s);
    detail::serve_one(msg.data(), msg.size(), out, 1);  // what a real worker would reply
    std::vector<char> r;
    mpi::writer w(r);
    w.write(id);
    switch (s) {
      case short_reply: r = {1, 2, 3}; break;
      case huge_string: w.write(true); w.write(std::uint64_t{3} << 30); break;
      case bad_bool: w.write(false); r.push_back(2); break;
      case trailing: r = out; r.insert(r.end(), 4, 'x'); break;
      case wrong_id: r = out; r[0] = static_cast<char>(r[0] + 100); break;
      case too_many_results:
        w.write(false);
        w.write(std::uint64_t{1000});
        for (int i = 0; i < 1000; ++i) w.write(i);
        w.write(false);
        break;
      case huge_count: w.write(false); w.write(std::uint64_t{1} << 60); break;
      case in_pieces: {
        send_raw(bytes_of({out.size()}), detail::result_big_tag, comm);
        for (std::size_t at = 0; at < out.size(); at += 5)
          send_raw(std::vector<char>(out.begin() + static_cast<std::ptrdiff_t>(at),
                                     out.begin() + static_cast<std::ptrdiff_t>(std::min(at + 5, out.size()))),
                   detail::piece_tag, comm);
        continue;
      }
      case bad_announcement: send_raw(std::vector<char>(3), detail::result_big_tag, comm); continue;
      case piece_overflow:
        send_raw(bytes_of({10}), detail::result_big_tag, comm);
        send_raw(std::vector<char>(20), detail::piece_tag, comm);
        continue;
      default: r = out;
    }
    send_raw(r, detail::result_tag, comm);
  }
}

void test_fake_worker(mpi::executor& ex) {
  auto still_serving = [&] { return ex.submit(ident, int{good}).get() == good; };
  CHECK(still_serving());
  CHECK(throws<std::runtime_error>([&] { ex.submit(ident, int{short_reply}).get(); },
                                   "rank 1 sent a malformed message"));
  CHECK(still_serving());
  const long before = max_rss_kib();
  CHECK(throws<std::runtime_error>([&] { ex.submit(ident, int{huge_string}).get(); },
                                   "reply from rank 1 was refused"));
  CHECK(max_rss_kib() - before < 256 * 1024);
  CHECK(still_serving());
  CHECK(throws<std::runtime_error>([&] { ex.submit([](int) { return true; }, int{bad_bool}).get(); },
                                   "bool"));
  CHECK(throws<std::runtime_error>([&] { ex.submit(ident, int{trailing}).get(); }, "left over"));
  CHECK(throws<std::runtime_error>([&] { ex.submit(ident, int{wrong_id}).get(); },
                                   "which it was not running"));
  CHECK(still_serving());
  CHECK(ex.submit(ident, int{in_pieces}).get() == in_pieces);
  CHECK(throws<std::runtime_error>([&] { ex.submit(ident, int{bad_announcement}).get(); }, "not 8"));
  CHECK(still_serving());
  CHECK(throws<std::runtime_error>([&] { ex.submit(ident, int{piece_overflow}).get(); },
                                   "were left"));
  CHECK(still_serving());
  const std::vector<int> two{too_many_results, too_many_results};
  CHECK(throws<std::runtime_error>([&] { parjit::parallel_map(ex, two, ident); },
                                   "1000 results for a chunk of"));
  CHECK(throws<std::runtime_error>([&] {
    for (int x : ex.map(ident, two, {.chunk = 2})) (void)x;
  }, "1000 results for a chunk of 2"));
  const std::vector<int> one{huge_count};
  CHECK(throws<std::runtime_error>([&] { parjit::parallel_map(ex, one, ident); }, "results for a chunk"));
  CHECK(still_serving());
}

// ---- a fake root (rank 0) sending crafted task messages to a real worker (rank 1) -----------

std::vector<char> await_reply(MPI_Comm comm) {
  MPI_Status st;
  detail::probe(1, detail::result_tag, comm, &st);
  std::vector<char> r;
  detail::receive(r, st, comm);
  return r;
}

void fake_root(MPI_Comm comm) {
  using inv = detail::call_invoker<int (*)(int), int>;
  const std::uint64_t key = detail::checked_key<inv>();
  auto send = [&](const std::vector<char>& m, int tag) {
    detail::check(MPI_Send(m.data(), static_cast<int>(m.size()), MPI_BYTE, 1, tag, comm), "MPI_Send");
  };
  send({1, 2, 3, 4, 5}, detail::task_tag);  // too short for a header
  CHECK(reply_error(await_reply(comm)).find("too short") != std::string::npos);
  send(task_message(key, std::int64_t{1} << 40, 5), detail::task_tag);
  CHECK(reply_error(await_reply(comm)).find("outside the program's code") != std::string::npos);
  send(std::vector<char>(3), detail::task_big_tag);  // dropped with a line on stderr
  send(std::vector<char>(7), detail::piece_tag);     // likewise: no announcement
  auto good = task_message(key, detail::offset_of(&ident), 77);
  send(bytes_of({good.size()}), detail::task_big_tag);  // a task in pieces of 10 bytes
  for (std::size_t at = 0; at < good.size(); at += 10)
    send(std::vector<char>(good.begin() + static_cast<std::ptrdiff_t>(at),
                           good.begin() + static_cast<std::ptrdiff_t>(std::min(at + 10, good.size()))),
         detail::piece_tag);
  auto r = await_reply(comm);
  mpi::reader in(r.data(), r.size());
  CHECK(in.read<std::uint64_t>() == 42 && !in.read<bool>() && in.read<int>() == 77);
  detail::check(MPI_Send(nullptr, 0, MPI_BYTE, 1, detail::stop_tag, comm), "MPI_Send");
}

// The collectives an executor's constructor makes, for the fakes.
MPI_Comm fake_start(std::uint64_t magic = detail::handshake_magic) {
  MPI_Comm comm;
  detail::check(MPI_Comm_dup(MPI_COMM_WORLD, &comm), "MPI_Comm_dup");
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  if (magic == detail::handshake_magic) {
    detail::handshake(comm, 2);
  } else {  // a program that is not a parjit executor of this version
    const std::uint64_t mine[4] = {magic, 1, 0, 2};
    int size = 0;
    MPI_Comm_size(comm, &size);
    std::vector<std::uint64_t> all(4 * static_cast<std::size_t>(size));
    MPI_Allgather(mine, 4, MPI_UINT64_T, all.data(), 4, MPI_UINT64_T, comm);
  }
  return comm;
}

int main(int argc, char** argv) {
  mpi::environment env(argc, argv);
  my_rank = env.rank();
  if (env.rank() == 0) {
    test_decoders();
    test_crafted_tasks();
  }
  if (env.size() == 2) {
    // A fake worker.
    if (env.rank() == 0) {
      mpi::executor ex({.threads = 2});
      test_fake_worker(ex);
    } else {
      MPI_Comm comm = fake_start();
      fake_worker(comm);
      MPI_Comm_free(&comm);
    }
    // A fake root.
    if (env.rank() == 1) {
      mpi::executor ex({.threads = 2});
    } else {
      MPI_Comm comm = fake_start();
      fake_root(comm);
      MPI_Comm_free(&comm);
    }
    // Ranks of different binaries refuse each other, all of them, with a clear error.
    detail::identity_for_test = env.rank() == 1 ? 0x5eed : 0;
    CHECK(throws<std::runtime_error>([] { mpi::executor ex; }, "runs a different program binary"));
    detail::identity_for_test = 0;
    // A rank that is not a parjit executor of this version.
    if (env.rank() == 0) {
      CHECK(throws<std::runtime_error>([] { mpi::executor ex; }, "is not a parjit MPI executor"));
    } else {
      MPI_Comm comm = fake_start(0xbad);
      MPI_Comm_free(&comm);
    }
  }
  int totals[2] = {passed, failed}, sums[2] = {0, 0};
  MPI_Reduce(totals, sums, 2, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
  if (env.rank() == 0) std::printf("%d passed, %d failed\n", sums[0], sums[1]);
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any_failed ? 1 : 0;
}
