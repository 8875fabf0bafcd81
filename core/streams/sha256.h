#pragma once

// SHA-256 through OpenSSL, for the checksums of batch files. Qt's QCryptographicHash computes
// it in portable C at about 140 MB/s on the machines Millrace is built on, which made hashing
// the largest single cost of a drain (24 µs per Fashion-MNIST sample); OpenSSL uses the CPU's
// SHA instructions where it has them. librdkafka links OpenSSL already.

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

namespace millrace::streams {

/// An incremental SHA-256, fed with addData() and read once with hexResult().
class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(QByteArrayView bytes);
    /// The digest as 64 lower-case hex digits. Ends the hash: call once.
    QByteArray hexResult();

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};

} // namespace millrace::streams
