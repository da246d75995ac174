#include "nanochat/tokenizer.hpp"

#include "nanochat/interrupt.hpp"

#include <csignal>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>

// SentencePiece runs as its own command-line tools (spm_train, spm_encode, spm_export_vocab from the Debian
// package `sentencepiece`), in a child process: Debian's libsentencepiece embeds a copy of protobuf-lite whose
// exported symbols clash with the libprotobuf that LibTorch loads, and a process holding both crashes during static
// initialization. Decoding needs no tool: a piece's text is its bytes with "▁" standing for a space (the model is
// trained with identity normalization).

namespace muonlab::nanochat {
namespace fs = std::filesystem;
namespace {

const std::string kSpace = "\xe2\x96\x81";  // U+2581 "▁" stands for one space byte

bool on_path(const std::string& exe) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (!dir.empty() && fs::exists(fs::path(dir) / exe)) return true;
  return false;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

fs::path scratch(const std::string& what) {
  static std::mt19937_64 rng(std::random_device{}());
  return fs::temp_directory_path() / ("muonlab_spm_" + what + "_" + std::to_string(rng()));
}

// Runs a command with stdout/stderr to a log; throws with the log's tail on failure. `what` names the work
// ("tokenizer training"). A tool ended by SIGINT or SIGTERM (Ctrl-C reaches the whole foreground process group, and
// std::system ignores SIGINT in this process meanwhile), or a signal to this process while it waited, is an
// interruption, not a failure: Interrupted.
void run_tool(const std::string& cmd, const std::string& what) {
  const fs::path log = scratch("log");
  const int rc = std::system((cmd + " >" + shell_quote(log.string()) + " 2>&1").c_str());
  const std::string tool = cmd.substr(0, cmd.find(' '));
  int sig = 0;
  if (rc != -1 && WIFSIGNALED(rc)) sig = WTERMSIG(rc);                 // the shell itself was killed
  if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) > 128) sig = WEXITSTATUS(rc) - 128;  // the shell reports its child
  if (sig == SIGINT || sig == SIGTERM) {
    fs::remove(log);
    request_interrupt(sig);
    throw_if_interrupted("during " + what + " (" + tool + " stopped)");
  }
  if (rc != 0) {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string tail = ss.str();
    if (tail.size() > 2000) tail = tail.substr(tail.size() - 2000);
    fs::remove(log);
    const std::string status = rc == -1             ? std::string("could not be started")
                               : WIFEXITED(rc)       ? "exit " + std::to_string(WEXITSTATUS(rc))
                               : WIFSIGNALED(rc)     ? "killed by " + signal_name(WTERMSIG(rc))
                                                     : "status " + std::to_string(rc);
    throw std::runtime_error(what + " failed (" + tool + " " + status + "): " + tail);
  }
  fs::remove(log);
  throw_if_interrupted("during " + what);  // a SIGTERM to this process alone: the tool finished, stop here
}

void check_bytes(const std::vector<std::int32_t>& ids, const std::vector<std::int32_t>& bytes, std::size_t want) {
  std::size_t total = 0;
  for (std::int32_t id : ids) {
    if (id < 0 || std::size_t(id) >= bytes.size()) throw std::runtime_error("tokenizer: id out of range");
    total += std::size_t(bytes[std::size_t(id)]);
  }
  if (total != want)
    throw std::runtime_error("tokenizer: tokens stand for " + std::to_string(total) + " bytes but the text has " +
                             std::to_string(want) + " (the text is not valid UTF-8?)");
}

class ByteTokenizer final : public Tokenizer {
public:
  ByteTokenizer() { bytes_.assign(256, 1); }
  std::string kind() const override { return "bytes"; }
  int vocab_size() const override { return 256; }
  std::vector<std::vector<std::int32_t>> encode_many(const std::vector<std::string>& texts) const override {
    std::vector<std::vector<std::int32_t>> out;
    for (const auto& text : texts) {
      std::vector<std::int32_t> ids(text.size());
      for (std::size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
      out.push_back(std::move(ids));
    }
    return out;
  }
  std::string decode(const std::vector<std::int32_t>& ids) const override {
    std::string s;
    for (std::int32_t id : ids) s.push_back(static_cast<char>(id));
    return s;
  }
};

class BpeTokenizer final : public Tokenizer {
public:
  explicit BpeTokenizer(const std::string& path) : model_(path) {
    if (!fs::is_regular_file(path)) throw std::runtime_error("no tokenizer model '" + path + "'");
    const fs::path vocab = scratch("vocab");
    run_tool("spm_export_vocab --model=" + shell_quote(path) + " --output=" + shell_quote(vocab.string()),
             "reading tokenizer '" + path + "'");
    std::ifstream in(vocab, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      const std::string piece = line.substr(0, line.find('\t'));
      std::string text;
      std::int32_t n = 0;
      if (piece == "<unk>" || piece == "<s>" || piece == "</s>" || piece == "<pad>") {
        n = 0;  // control / unknown: no text
      } else if (piece.size() == 6 && piece.rfind("<0x", 0) == 0 && piece[5] == '>') {
        text = std::string(1, static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16)));  // byte fallback
        n = 1;
        if (text == "\n") newline_ = std::int32_t(pieces_.size());
      } else {
        for (std::size_t pos = 0; pos < piece.size();) {
          if (piece.compare(pos, kSpace.size(), kSpace) == 0) text += ' ', pos += kSpace.size();
          else text += piece[pos++];
        }
        n = std::int32_t(text.size());
      }
      pieces_.push_back(text);
      bytes_.push_back(n);
    }
    fs::remove(vocab);
    if (pieces_.empty()) throw std::runtime_error("tokenizer '" + path + "' has no pieces");
    if (newline_ < 0) throw std::runtime_error("tokenizer '" + path + "' has no byte-fallback pieces");
  }
  std::string kind() const override { return "sentencepiece-bpe"; }
  int vocab_size() const override { return int(pieces_.size()); }

  // spm_encode works line by line: every text is split at '\n', all lines go through one spm_encode call, and the
  // newlines come back as the byte piece <0x0A>.
  std::vector<std::vector<std::int32_t>> encode_many(const std::vector<std::string>& texts) const override {
    const fs::path in_path = scratch("in"), out_path = scratch("out");
    std::vector<std::size_t> lines_per_text;
    {
      std::ofstream out(in_path, std::ios::binary);
      for (const auto& t : texts) {
        std::size_t n = 1;
        for (char c : t) n += c == '\n';
        lines_per_text.push_back(n);
        out << t << '\n';
      }
    }
    run_tool("spm_encode --minloglevel=2 --output_format=id --model=" + shell_quote(model_) +
                 " --input=" + shell_quote(in_path.string()) + " --output=" + shell_quote(out_path.string()),
             "encoding with tokenizer '" + model_ + "'");
    std::ifstream in(out_path, std::ios::binary);
    std::vector<std::vector<std::int32_t>> result;
    std::string line;
    for (std::size_t k = 0; k < texts.size(); ++k) {
      std::vector<std::int32_t> ids;
      for (std::size_t l = 0; l < lines_per_text[k]; ++l) {
        if (!std::getline(in, line)) throw std::runtime_error("tokenizer: spm_encode returned too few lines");
        if (l > 0) ids.push_back(newline_);
        std::istringstream ss(line);
        std::int32_t id;
        while (ss >> id) ids.push_back(id);
      }
      check_bytes(ids, bytes_, texts[k].size());
      result.push_back(std::move(ids));
    }
    fs::remove(in_path);
    fs::remove(out_path);
    return result;
  }
  std::string decode(const std::vector<std::int32_t>& ids) const override {
    std::string s;
    for (std::int32_t id : ids) s += pieces_.at(std::size_t(id));
    return s;
  }

private:
  std::string model_;
  std::vector<std::string> pieces_;
  std::int32_t newline_ = -1;
};

}  // namespace

std::vector<std::int32_t> Tokenizer::encode(const std::string& text) const { return encode_many({text}).at(0); }

bool have_sentencepiece() { return on_path("spm_train") && on_path("spm_encode") && on_path("spm_export_vocab"); }

void train_bpe(const std::vector<std::string>& lines, int vocab_size, const std::string& model_path,
               std::size_t max_lines, int threads) {
  if (!have_sentencepiece())
    throw std::runtime_error("SentencePiece's tools (spm_train, spm_encode) are not installed; use --tokenizer bytes");
  const fs::path model(model_path);
  const std::string prefix = (model.parent_path() / model.stem()).string();
  const fs::path input = scratch("train");
  {
    // Every k-th non-empty line, k chosen so at most max_lines are kept: deterministic, spread over the text.
    std::size_t nonempty = 0;
    for (const auto& l : lines) nonempty += !l.empty();
    const std::size_t stride = nonempty > max_lines ? (nonempty + max_lines - 1) / max_lines : 1;
    std::ofstream out(input, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write '" + input.string() + "'");
    std::size_t i = 0;
    for (const auto& l : lines) {
      if (l.empty()) continue;
      if (i++ % stride == 0) out << l << '\n';
    }
  }
  // Lossless BPE: identity normalization, whitespace kept as is, byte fallback (exact bits per byte).
  const std::string cmd = "spm_train --input=" + shell_quote(input.string()) + " --model_prefix=" +
                          shell_quote(prefix) + " --model_type=bpe --vocab_size=" + std::to_string(vocab_size) +
                          " --byte_fallback=true --normalization_rule_name=identity"
                          " --remove_extra_whitespaces=false --add_dummy_prefix=false"
                          " --allow_whitespace_only_pieces=true --split_digits=true"
                          " --character_coverage=0.9995 --max_sentence_length=16384"
                          " --unk_id=0 --bos_id=-1 --eos_id=-1 --pad_id=-1 --minloglevel=2"
                          " --hard_vocab_limit=false --num_threads=" +
                          std::to_string(threads);
  try {
    run_tool(cmd, "tokenizer training");
  } catch (const std::runtime_error& e) {
    fs::remove(input);
    const std::string what = e.what();
    // The text needs more distinct characters than the vocabulary has room for: bad input, not a bug.
    if (what.find("Vocabulary size") != std::string::npos || what.find("vocab_size") != std::string::npos)
      throw std::invalid_argument(what + " (use a larger --vocab-size)");
    throw;
  }
  fs::remove(input);
  std::error_code ec;
  fs::remove(prefix + ".vocab", ec);
  if (prefix + ".model" != model_path) fs::rename(prefix + ".model", model_path);
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  if (path == "bytes") return std::make_unique<ByteTokenizer>();
  if (!have_sentencepiece())
    throw std::runtime_error("tokenizer '" + path + "' needs SentencePiece's tools (spm_encode), not installed");
  return std::make_unique<BpeTokenizer>(path);
}

}  // namespace muonlab::nanochat
