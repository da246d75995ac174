#include "nanochat/distributed.hpp"

#include "nanochat/interrupt.hpp"

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>  // needs USE_C10D_GLOO and third_party/gloo
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#if MUONLAB_C10D_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/cuda.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace muonlab::nanochat {

using Clock = std::chrono::steady_clock;

// ---- the environment --------------------------------------------------------------------------------------------

namespace {

const char* env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int env_int(const char* name, const char* value, int lo, int hi) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(value, &end, 10);
  if (end == value || *end != '\0' || errno != 0 || v < lo || v > hi)
    throw std::invalid_argument(fmt::format("environment variable {}='{}' must be an integer in [{}, {}]", name,
                                            value, lo, hi));
  return int(v);
}

bool is_loopback(const std::string& addr) {
  return addr == "localhost" || addr == "::1" || addr.rfind("127.", 0) == 0;
}

}  // namespace

DistEnv dist_env_from_environment() {
  DistEnv e;
  const char* rank = env_or_null("RANK");
  const char* world = env_or_null("WORLD_SIZE");
  const char* local = env_or_null("LOCAL_RANK");
  const char* rank_name = "RANK";
  const char* world_name = "WORLD_SIZE";
  const char* local_name = "LOCAL_RANK";
  if (!rank && !world && env_or_null("SLURM_PROCID") && env_or_null("SLURM_NTASKS")) {
    rank = env_or_null("SLURM_PROCID"), world = env_or_null("SLURM_NTASKS"), local = env_or_null("SLURM_LOCALID");
    rank_name = "SLURM_PROCID", world_name = "SLURM_NTASKS", local_name = "SLURM_LOCALID";
  }
  if (!rank && !world) return e;  // one process
  if (!rank || !world)
    throw std::invalid_argument(fmt::format("{} and {} must be set together", rank_name, world_name));
  e.world_size = env_int(world_name, world, 1, 1 << 20);
  e.rank = env_int(rank_name, rank, 0, e.world_size - 1);
  e.local_rank = local ? env_int(local_name, local, 0, 1 << 20) : 0;
  const bool slurm = rank_name[0] == 'S';
  if (const char* a = env_or_null("MASTER_ADDR")) e.master_addr = a;
  else if (slurm && e.world_size > 1)
    throw std::invalid_argument("under Slurm, export MASTER_ADDR (the first task's host) and MASTER_PORT");
  if (const char* p = env_or_null("MASTER_PORT")) e.master_port = env_int("MASTER_PORT", p, 1, 65535);
  if (const char* a = env_or_null("TORCHELASTIC_USE_AGENT_STORE")) e.agent_store = std::string(a) == "True";
  if (const char* l = env_or_null("MUONLAB_LAUNCHER")) e.launched = std::string(l) == "1";
  return e;
}

std::string rank_prefix(const DistEnv& env) {
  return env.distributed() ? fmt::format("[rank {}] ", env.rank) : std::string();
}

// ---- the process group ------------------------------------------------------------------------------------------

Comm::Comm() = default;
Comm::~Comm() = default;

namespace {

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const char* ifname = env_or_null("GLOO_SOCKET_IFNAME"))
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (is_loopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

c10::intrusive_ptr<c10d::Backend> make_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                               const torch::Device& device, const std::string& master_addr,
                                               std::chrono::milliseconds timeout) {
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("muonlab/pg", store);
  if (device.is_cuda()) {
#if MUONLAB_C10D_NCCL
    c10::cuda::set_device(device.index());
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, rank, size, opts);
#else
    throw std::invalid_argument("this muonlab was built without NCCL: distributed runs on CUDA need it");
#endif
  }
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  opts->devices.push_back(gloo_device(master_addr));
  opts->threads = 2;
  return c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, rank, size, opts);
}

std::string seconds_text(std::chrono::milliseconds t) { return fmt::format("{:g} s", double(t.count()) / 1000.0); }

}  // namespace

std::shared_ptr<Comm> Comm::create(const DistEnv& env, const torch::Device& device, const DistOptions& o) {
  torch::Device dev = device;
  if (dev.is_cuda()) dev = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
  c10::intrusive_ptr<c10d::Store> store;
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(env.master_port);
    so.isServer = env.rank == 0 && !env.agent_store;
    so.numWorkers = static_cast<std::size_t>(env.world_size);
    so.waitWorkers = false;
    so.timeout = o.timeout;
    store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
  } catch (const std::exception& e) {
    throw DistError(fmt::format("rank {} of {}: cannot reach the rendezvous store at {}:{} within {}: {}", env.rank,
                                env.world_size, env.master_addr, env.master_port, seconds_text(o.timeout),
                                first_line(e.what())));
  }
  auto c = create(store, env.rank, env.world_size, dev, o);
  return c;
}

std::shared_ptr<Comm> Comm::create(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                   const torch::Device& device, const DistOptions& o) {
  std::shared_ptr<Comm> c(new Comm());
  c->store_ = store;
  c->rank_ = rank, c->size_ = size, c->device_ = device, c->timeout_ = o.timeout;
  const char* addr = env_or_null("MASTER_ADDR");
  try {
    c->backend_ = make_backend(store, rank, size, device, addr ? addr : "127.0.0.1", o.timeout);
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    throw DistError(fmt::format("rank {} of {}: the process group did not form within {} (a rank did not start or "
                                "cannot be reached): {}",
                                rank, size, seconds_text(o.timeout), first_line(e.what())));
  }
  return c;
}

std::string Comm::backend_name() const { return backend_ ? backend_->getBackendName() : "none"; }

template <class F>
void Comm::run(const char* what, F&& issue) {
  const bool sync = timing_ && device_.is_cuda();
  if (sync) torch::cuda::synchronize();
  const auto t0 = Clock::now();
  try {
    c10::intrusive_ptr<c10d::Work> w = issue();
    w->wait(timeout_);
  } catch (const DistError&) {
    throw;
  } catch (const std::exception& e) {
    throw DistError(fmt::format("rank {} of {}: {} failed — another rank has died or stalled for more than {} ({}). "
                                "The run stops here; continue it from its last checkpoint with --resume (with any "
                                "number of ranks)",
                                rank_, size_, what, seconds_text(timeout_), first_line(e.what())));
  }
  if (sync) torch::cuda::synchronize();
  comm_seconds_ += std::chrono::duration<double>(Clock::now() - t0).count();
}

void Comm::all_reduce_sum(torch::Tensor& x) {
  std::vector<torch::Tensor> v{x};
  run("all-reduce", [&] { return backend_->allreduce(v, c10d::AllreduceOptions{}); });
}

torch::Tensor Comm::reduce_scatter_sum(const torch::Tensor& input) {
  if (input.size(0) % size_ != 0)
    throw std::invalid_argument("reduce_scatter_sum: dim 0 must be a multiple of the group size");
  torch::Tensor in = input.contiguous();
  std::vector<std::int64_t> shape(in.sizes().begin(), in.sizes().end());
  shape[0] /= size_;
  torch::Tensor out = torch::empty(shape, in.options());
  run("reduce-scatter", [&] { return backend_->_reduce_scatter_base(out, in, c10d::ReduceScatterOptions{}); });
  return out;
}

void Comm::all_gather(torch::Tensor& out, const torch::Tensor& chunk) {
  if (!out.is_contiguous() || out.size(0) != chunk.size(0) * size_)
    throw std::invalid_argument("all_gather: `out` must be contiguous with size·c rows");
  torch::Tensor in = chunk.contiguous();
  run("all-gather", [&] { return backend_->_allgather_base(out, in, c10d::AllgatherOptions{}); });
}

void Comm::broadcast(torch::Tensor& x, int root) {
  std::vector<torch::Tensor> v{x};
  c10d::BroadcastOptions o;
  o.rootRank = root;
  run("broadcast", [&] { return backend_->broadcast(v, o); });
}

void Comm::barrier() {
  // A one-element all-reduce: the same on both backends (NCCL's barrier needs a device guess).
  torch::Tensor t = torch::zeros({1}, torch::TensorOptions().dtype(torch::kFloat32).device(device_));
  all_reduce_sum(t);
}

double Comm::all_reduce_sum(double v) {
  torch::Tensor t = torch::full({1}, v, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
  all_reduce_sum(t);
  return t.item<double>();
}

void Comm::signal(const std::string& key, const std::string& failure, GateFailure kind) {
  const char* prefix = kind == GateFailure::bad_input     ? "bad input: "
                       : kind == GateFailure::interrupted ? "interrupted: "
                                                          : "failed: ";
  const std::string value = failure.empty() ? "ok" : prefix + failure;
  store_->set("muonlab/gate/" + key, std::vector<std::uint8_t>(value.begin(), value.end()));
}

void Comm::wait_for(const std::string& key, std::chrono::milliseconds limit) {
  const std::string k = "muonlab/gate/" + key;
  try {
    store_->wait({k}, limit);
  } catch (const std::exception& e) {
    throw DistError(fmt::format("rank {} of {}: rank 0 did not finish '{}' within {} ({})", rank_, size_, key,
                                seconds_text(limit), first_line(e.what())));
  }
  const std::vector<std::uint8_t> v = store_->get(k);
  const std::string s(v.begin(), v.end());
  if (s.rfind("bad input: ", 0) == 0)
    throw std::invalid_argument(fmt::format("rank 0 rejected the run: {}", s.substr(11)));
  if (s.rfind("interrupted: ", 0) == 0) throw Interrupted(fmt::format("rank 0 stopped: {}", s.substr(13)));
  if (s != "ok") throw DistError(fmt::format("rank {} of {}: rank 0 {}", rank_, size_, s));
}

// ---- the local launcher -----------------------------------------------------------------------------------------

namespace {

volatile std::sig_atomic_t g_forward_signal = 0;
void remember_signal(int sig) { g_forward_signal = sig; }

std::string describe_status(int status) {
  if (WIFSIGNALED(status))
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

int exit_code_of(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace

int launch_local(int nproc, const std::vector<std::string>& args, std::chrono::milliseconds grace, bool progress) {
  if (nproc < 1) throw std::invalid_argument("--nproc must be at least 1");
  // The rendezvous store lives here, on a port the kernel picked: no race for a "free" port.
  c10d::TCPStoreOptions so;
  so.port = 0;
  so.isServer = true;
  so.numWorkers = static_cast<std::size_t>(nproc);
  so.waitWorkers = false;
  auto store = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", so);
  const int port = store->getPort();

  // argv and envp are built before fork: the child only calls async-signal-safe functions before execve.
  std::vector<std::string> argv_s = {"muonlab"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::vector<std::string> ours = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                                         "MASTER_PORT", "TORCHELASTIC_USE_AGENT_STORE", "MUONLAB_LAUNCHER",
                                         "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"};
  std::vector<std::string> base;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    const std::string k = kv.substr(0, kv.find('='));
    if (std::find(ours.begin(), ours.end(), k) == ours.end()) base.push_back(kv);
  }
  std::vector<std::vector<std::string>> env_s(nproc, base);
  std::vector<std::vector<char*>> envp(nproc);
  for (int r = 0; r < nproc; ++r) {
    for (const std::string& kv : {fmt::format("RANK={}", r), fmt::format("WORLD_SIZE={}", nproc),
                                  fmt::format("LOCAL_RANK={}", r), fmt::format("LOCAL_WORLD_SIZE={}", nproc),
                                  std::string("MASTER_ADDR=127.0.0.1"), fmt::format("MASTER_PORT={}", port),
                                  std::string("TORCHELASTIC_USE_AGENT_STORE=True"), std::string("MUONLAB_LAUNCHER=1")})
      env_s[r].push_back(kv);
    for (std::string& kv : env_s[r]) envp[r].push_back(kv.data());
    envp[r].push_back(nullptr);
  }

  struct sigaction sa {}, old_int {}, old_term {};
  sa.sa_handler = remember_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  const pid_t parent = getpid();
  std::vector<pid_t> pids(nproc, -1);
  std::vector<bool> done(nproc, false);
  for (int r = 0; r < nproc; ++r) {
    const pid_t pid = fork();
    if (pid < 0) {
      for (int q = 0; q < r; ++q) kill(pids[q], SIGKILL);
      throw std::runtime_error(fmt::format("--nproc: fork failed: {}", std::strerror(errno)));
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // the launcher gone (even by SIGKILL): the ranks go too
      if (getppid() != parent) _exit(127);
      // A process group of the ranks' own: a terminal's Ctrl-C reaches the launcher alone, which passes it on once
      // (a rank that got it twice would quit at once, without the checkpoint; nanochat/interrupt.hpp).
      setpgid(0, 0);
      execve("/proc/self/exe", argv.data(), envp[r].data());
      _exit(127);
    }
    pids[r] = pid;
  }
  if (progress)
    fmt::print(stderr, "muonlab: started {} ranks on this machine (store 127.0.0.1:{}, pids {})\n", nproc, port,
               fmt::join(pids, " "));

  int result = 0, running = nproc;
  bool failing = false, forwarded = false;
  Clock::time_point deadline{};
  while (running > 0) {
    if (g_forward_signal) {
      const int sig = g_forward_signal;
      g_forward_signal = 0;
      for (int r = 0; r < nproc; ++r)
        if (!done[r]) kill(pids[r], sig);
      forwarded = true;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      const auto it = std::find(pids.begin(), pids.end(), pid);
      if (it == pids.end()) continue;
      const int r = int(it - pids.begin());
      done[r] = true, --running;
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && !failing) {
        failing = true, result = exit_code_of(status);
        deadline = Clock::now() + grace;
        // A rank that stopped on the signal passed on (exit 130, its checkpoint written): the others do the same.
        const bool interrupted = forwarded && WIFEXITED(status) && WEXITSTATUS(status) == 130;
        if (interrupted) continue;
        if (progress && running > 0)
          fmt::print(stderr, "muonlab: rank {} (pid {}) {}; the other ranks get {:g} s to stop on their own\n", r,
                     pid, describe_status(status), double(grace.count()) / 1000.0);
        else if (progress)
          fmt::print(stderr, "muonlab: rank {} (pid {}) {}\n", r, pid, describe_status(status));
      }
      continue;
    }
    if (failing && Clock::now() >= deadline) {
      for (int r = 0; r < nproc; ++r)
        if (!done[r]) {
          if (progress) fmt::print(stderr, "muonlab: rank {} (pid {}) did not stop; killing it\n", r, pids[r]);
          kill(pids[r], SIGKILL);
        }
      deadline = Clock::now() + std::chrono::hours(1);  // reap them below
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return result;
}

}  // namespace muonlab::nanochat
