// The process binds std:: to the system libstdc++, not to the copies of std::filesystem that PyPI's LibTorch exports
// (nanochat/CMakeLists.txt lists libstdc++.so.6 first on the link line). Without that, fs::remove_all of a non-empty
// folder called a null weak symbol inside libtorch.so (SIGSEGV on every machine whose libstdc++ predates GCC 13).
#include <torch/torch.h>

#include <catch2/catch.hpp>  // after torch: c10 defines a CHECK macro of its own, Catch's must win

#include <dlfcn.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// The file name of the shared object that defines the function at `fn` ("" if dladdr cannot tell).
std::string defining_object(const void* fn) {
  Dl_info info{};
  if (dladdr(fn, &info) == 0 || info.dli_fname == nullptr) return {};
  return info.dli_fname;
}

}  // namespace

TEST_CASE("std::filesystem comes from libstdc++, not from LibTorch's copy", "[nanochat][linkage]") {
  // LibTorch is loaded and used in this process (its copy is there to be bound to).
  CHECK(torch::ones({2}).sum().item<double>() == 2.0);
  using RemoveAll = std::uintmax_t (*)(const fs::path&);
  using RemoveAllEc = std::uintmax_t (*)(const fs::path&, std::error_code&);
  for (const void* fn : {reinterpret_cast<const void*>(static_cast<RemoveAll>(&fs::remove_all)),
                         reinterpret_cast<const void*>(static_cast<RemoveAllEc>(&fs::remove_all))}) {
    const std::string lib = defining_object(fn);
    INFO("std::filesystem::remove_all is defined in " << lib);
    CHECK(lib.find("libstdc++") != std::string::npos);
  }
  // The call that crashed: remove_all of a folder with files and a subfolder.
  const fs::path root = fs::temp_directory_path() / ("muonlab_linkage_" + std::to_string(::getpid()));
  fs::create_directories(root / "sub");
  std::ofstream(root / "a.txt") << "a";
  std::ofstream(root / "sub" / "b.txt") << "b";
  CHECK(fs::remove_all(root) == 4);
  CHECK_FALSE(fs::exists(root));
  std::error_code ec;
  fs::create_directories(root / "sub");
  std::ofstream(root / "sub" / "c.txt") << "c";
  CHECK(fs::remove_all(root, ec) == 3);
  CHECK_FALSE(ec);
}
