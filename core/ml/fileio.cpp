#include "core/ml/fileio.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace millrace::ml {

Result<std::vector<std::uint8_t>> readFileBytes(const std::string &path)
{
    std::FILE *file = std::fopen(path.c_str(), "rb");
    if (!file)
        return fail(path + ": cannot open (" + std::strerror(errno) + ")");
    struct FileCloser
    {
        std::FILE *file;
        ~FileCloser() { std::fclose(file); }
    } closer{file};

    std::vector<std::uint8_t> bytes;
    std::array<std::uint8_t, 1 << 16> buffer;
    for (;;) {
        const std::size_t read = std::fread(buffer.data(), 1, buffer.size(), file);
        bytes.insert(bytes.end(), buffer.begin(),
                     buffer.begin() + static_cast<std::ptrdiff_t>(read));
        if (read < buffer.size()) {
            if (std::ferror(file))
                return fail(path + ": read error (" + std::strerror(errno) + ")");
            return bytes;
        }
    }
}

Result<void> writeFileAtomically(const std::string &path, std::span<const std::uint8_t> bytes)
{
    std::string temporary = path + ".XXXXXX";
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0)
        return fail(path + ": cannot create a temporary file beside it (" + std::strerror(errno)
                    + ")");
    auto abandon = [&](const std::string &what) {
        const std::string reason = std::strerror(errno);
        ::close(fd);
        ::unlink(temporary.c_str());
        return fail(path + ": " + what + " (" + reason + ")");
    };
    ::fchmod(fd, 0644);
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t count = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return abandon("write failed");
        }
        written += static_cast<std::size_t>(count);
    }
    if (::fsync(fd) != 0)
        return abandon("fsync failed");
    if (::close(fd) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        return fail(path + ": close failed (" + reason + ")");
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        return fail(path + ": cannot replace (" + reason + ")");
    }
    return {};
}

} // namespace millrace::ml
