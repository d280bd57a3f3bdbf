#pragma once
// TempDir: a fresh directory under the system temp dir, removed with everything in it when the
// object dies. One per test, so lock files, sockets and logs never collide between tests.
#include <filesystem>
#include <string>
#include <string_view>

namespace faas::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    std::string str() const { return path_.string(); }
    // path() / name
    std::filesystem::path file(std::string_view name) const { return path_ / name; }
    // Writes `content` to path()/name (creating parent directories); returns the full path.
    std::filesystem::path write(std::string_view name,
                                std::string_view content,
                                bool executable = false) const;

private:
    std::filesystem::path path_;
};

// The whole file, or "" when it does not exist.
std::string read_file(const std::filesystem::path& path);

}  // namespace faas::test
