// The record is written whole or not at all, and keeps Google Benchmark's shape.
#include "results/record.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace dmabench;

namespace {
struct TempDir {
    fs::path path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "dmabench-test-XXXXXX").string();
        path = mkdtemp(t.data());
    }
    ~TempDir() { fs::remove_all(path); }
    std::size_t entries() const {
        return std::distance(fs::directory_iterator(path), fs::directory_iterator());
    }
};
const char* gbench = R"({"context": {"date": "x", "num_cpus": 2},
  "benchmarks": [{"name": "calib/empty", "run_type": "iteration", "real_time": 1.5,
                  "cpu_time": 1.4, "time_unit": "ns", "iterations": 10}]})";
}  // namespace

TEST(Record, MergeKeepsGoogleBenchmarkAndAddsOurContext) {
    auto doc = results::merge(gbench, {{"arch", "x86_64"}});
    EXPECT_EQ(doc["context"]["num_cpus"], 2);
    EXPECT_EQ(doc["context"]["dmabench"]["arch"], "x86_64");
    EXPECT_EQ(doc["context"]["dmabench"]["schema_version"], results::schema_version);
    EXPECT_EQ(doc["benchmarks"][0]["name"], "calib/empty");
}

TEST(Record, WritesAtomicallyAndLeavesNoTemporaryFile) {
    TempDir d;
    auto file = (d.path / "run.json").string();
    results::write_atomically(file, "first\n");
    results::write_atomically(file, "second\n");
    std::ifstream f(file);
    std::string s((std::istreambuf_iterator<char>(f)), {});
    EXPECT_EQ(s, "second\n");
    EXPECT_EQ(d.entries(), 1u);
}

TEST(Record, UnwritableTargetIsRefusedAndEarlierFileUntouched) {
    TempDir d;
    auto file = (d.path / "run.json").string();
    results::write_atomically(file, "kept\n");
    EXPECT_THROW(results::Destination((d.path / "missing" / "x.json").string()), results::Error);
    EXPECT_THROW(results::Destination(d.path.string()), results::Error);  // a directory
    EXPECT_THROW(results::write_atomically((d.path / "missing" / "x.json").string(), "x"),
                 results::Error);
    if (geteuid() != 0) {  // root writes anywhere
        fs::permissions(d.path, fs::perms::owner_read | fs::perms::owner_exec);
        EXPECT_THROW(results::Destination{file}, results::Error);
        fs::permissions(d.path, fs::perms::owner_all);
    }
    std::ifstream f(file);
    std::string s((std::istreambuf_iterator<char>(f)), {});
    EXPECT_EQ(s, "kept\n");
    EXPECT_EQ(d.entries(), 1u);
}

std::string slurp(const fs::path& p) {
    std::ifstream f(p);
    return {std::istreambuf_iterator<char>(f), {}};
}

TEST(Record, SymlinkStaysAndItsTargetIsReplaced) {
    TempDir d;
    auto target = d.path / "target.json", link = d.path / "link.json", dangling = d.path / "new.json";
    results::write_atomically(target.string(), "old\n", 0600);
    fs::create_symlink("target.json", link);  // relative, as users write them
    results::Destination(link.string()).write("new\n");
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(slurp(target), "new\n");
    EXPECT_EQ(fs::status(target).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);  // the file's mode is kept
    fs::create_symlink(d.path / "made.json", dangling);
    results::Destination(dangling.string()).write("made\n");
    EXPECT_TRUE(fs::is_symlink(dangling));
    EXPECT_EQ(slurp(d.path / "made.json"), "made\n");
}

TEST(Record, FifoGetsTheDocumentStreamedAndStaysAFifo) {
    TempDir d;
    auto fifo = d.path / "pipe";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_THROW(results::Destination{fifo.string()}, results::Error);  // no reader yet
    int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(reader, 0);
    {
        results::Destination out(fifo.string());
        EXPECT_TRUE(out.streamed());
        out.write("streamed\n");
    }
    char buf[32] = {};
    EXPECT_EQ(read(reader, buf, sizeof buf), 9);
    EXPECT_STREQ(buf, "streamed\n");
    close(reader);
    EXPECT_TRUE(fs::is_fifo(fifo));
    EXPECT_EQ(d.entries(), 1u);
}

TEST(Record, DeviceIsWrittenNotReplacedAndAFullOneFails) {
    results::Destination null("/dev/null");
    null.write("x\n");
    EXPECT_TRUE(fs::is_character_file("/dev/null"));
    results::Destination full("/dev/full");
    EXPECT_THROW(full.write("x\n"), results::WriteFailed);
    EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

TEST(Record, ReadRefusesTruncatedAndForeignFiles) {
    TempDir d;
    auto good = (d.path / "good.json").string(), cut = (d.path / "cut.json").string(),
         other = (d.path / "other.json").string();
    results::write_atomically(good, gbench);
    results::write_atomically(cut, std::string(gbench).substr(0, 40));
    results::write_atomically(other, R"({"hello": 1})");
    EXPECT_EQ(results::read(good)["benchmarks"].size(), 1u);
    EXPECT_THROW(results::read(cut), results::Error);
    EXPECT_THROW(results::read(other), results::Error);
    EXPECT_THROW(results::read((d.path / "none.json").string()), results::Error);
}

TEST(Record, DefaultPathIsHostAndUtcStamp) {
    auto p = fs::path(results::default_path("/tmp/runs"));
    EXPECT_EQ(p.parent_path(), "/tmp/runs");
    EXPECT_EQ(p.extension(), ".json");
    EXPECT_NE(p.filename().string().find("Z.json"), std::string::npos);
}

TEST(Record, NanAndInfFromGoogleBenchmarkBecomeNull) {
    auto doc = results::merge(R"({"context": {}, "benchmarks": [{"name": "a/b", "x": -nan,
        "y": NaN, "z": inf, "w": 1.5, "label": "nan inf"}]})", {});
    auto& b = doc["benchmarks"][0];
    EXPECT_TRUE(b["x"].is_null());
    EXPECT_TRUE(b["y"].is_null());
    EXPECT_TRUE(b["z"].is_null());
    EXPECT_EQ(b["w"], 1.5);
    EXPECT_EQ(b["label"], "nan inf");
}
