#pragma once

// A small blocking HTTP/1.1 client for tests that put a server under load: one keep-alive
// connection per thread (QTcpSocket with its waitFor* calls, no event loop needed), requests with
// Content-Length bodies, answers read by Content-Length or chunked. QNetworkAccessManager opens at
// most six connections per host and queues the rest, so it cannot hold a concurrency of eight.
// Include as "testsupport/httploadclient.h"; the test links Qt6::Network.
//
//   HttpConnection connection(u"127.0.0.1"_s, port);
//   HttpReply reply = connection.post("/invocations", body, "application/json");
//
//   LoadGenerator load(u"127.0.0.1"_s, port, 8, makeRequest, checkReply);
//   load.start();        // until stop(), or load.start(125) for 125 requests per connection
//   ...
//   load.stop();         // finishes the requests in flight and joins the threads

#include <QByteArray>
#include <QList>
#include <QMutex>
#include <QMutexLocker>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QTcpSocket>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace testsupport {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest
{
    QByteArray method = QByteArrayLiteral("GET");
    QByteArray path = QByteArrayLiteral("/");
    /// Sent as given; a Host header here replaces the one the connection would send.
    HttpHeaders headers;
    QByteArray body;
    /// Free for the caller: which sample a load request carries, say.
    qint64 tag = 0;
};

struct HttpReply
{
    /// 0 when no answer came; `error` says why.
    int status = 0;
    QString error;
    HttpHeaders headers;
    QByteArray body;

    /// The first header called `name` (any case), or an empty array.
    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

/// One keep-alive connection to host:port, used by one thread at a time (the one that made it).
/// Reconnects when the server closed the connection since the last answer.
class HttpConnection
{
public:
    HttpConnection(QString host, quint16 port, int timeoutMs = 30000)
        : m_host(std::move(host)), m_port(port), m_timeoutMs(timeoutMs)
    {
    }
    HttpConnection(const HttpConnection &) = delete;
    HttpConnection &operator=(const HttpConnection &) = delete;

    HttpReply send(const HttpRequest &request)
    {
        HttpReply reply;
        if (!connectIfNeeded(reply.error))
            return reply;
        QByteArray head = request.method + ' ' + request.path + " HTTP/1.1\r\n";
        bool hasHost = false;
        for (const auto &[key, value] : request.headers) {
            hasHost = hasHost || key.compare("Host", Qt::CaseInsensitive) == 0;
            head += key + ": " + value + "\r\n";
        }
        if (!hasHost)
            head += "Host: " + m_host.toUtf8() + ':' + QByteArray::number(m_port) + "\r\n";
        if (!request.body.isEmpty() || request.method != "GET")
            head += "Content-Length: " + QByteArray::number(request.body.size()) + "\r\n";
        head += "\r\n";
        if (!write(head + request.body, reply.error) || !readReply(reply)) {
            reply.status = 0;
            m_socket->abort();
        }
        return reply;
    }

    HttpReply get(const QByteArray &path, const HttpHeaders &headers = {})
    {
        return send({QByteArrayLiteral("GET"), path, headers, {}, 0});
    }

    HttpReply post(const QByteArray &path, const QByteArray &body, const QByteArray &contentType,
                   HttpHeaders headers = {})
    {
        if (!contentType.isEmpty())
            headers.prepend({QByteArrayLiteral("Content-Type"), contentType});
        return send({QByteArrayLiteral("POST"), path, headers, body, 0});
    }

    /// Connections opened so far: 1 while the server keeps the first alive.
    int connectionsOpened() const { return m_connections; }

private:
    bool connectIfNeeded(QString &error)
    {
        if (!m_socket)
            m_socket = std::make_unique<QTcpSocket>();
        if (m_socket->state() == QAbstractSocket::ConnectedState)
            return true;
        m_socket->abort();
        m_buffer.clear();
        m_socket->connectToHost(m_host, m_port);
        if (!m_socket->waitForConnected(m_timeoutMs)) {
            error = QStringLiteral("cannot connect: ") + m_socket->errorString();
            return false;
        }
        ++m_connections;
        return true;
    }

    bool write(const QByteArray &bytes, QString &error)
    {
        if (m_socket->write(bytes) != bytes.size()) {
            error = QStringLiteral("cannot write: ") + m_socket->errorString();
            return false;
        }
        while (m_socket->bytesToWrite() > 0) {
            if (!m_socket->waitForBytesWritten(m_timeoutMs)) {
                error = QStringLiteral("cannot write: ") + m_socket->errorString();
                return false;
            }
        }
        return true;
    }

    // Reads more into the buffer; false when the connection ended or the wait timed out.
    bool fill(QString &error)
    {
        if (m_socket->bytesAvailable() == 0 && !m_socket->waitForReadyRead(m_timeoutMs)) {
            error = m_socket->state() == QAbstractSocket::ConnectedState
                        ? QStringLiteral("no answer within %1 ms").arg(m_timeoutMs)
                        : QStringLiteral("the server closed the connection: ")
                              + m_socket->errorString();
            return false;
        }
        m_buffer += m_socket->readAll();
        return true;
    }

    // The next `size` bytes of the buffer, read as far as needed.
    bool take(qsizetype size, QByteArray &out, QString &error)
    {
        while (m_buffer.size() < size) {
            if (!fill(error))
                return false;
        }
        out = m_buffer.left(size);
        m_buffer.remove(0, size);
        return true;
    }

    // One line ending in CRLF, without it.
    bool line(QByteArray &out, QString &error)
    {
        qsizetype end = -1;
        while ((end = m_buffer.indexOf("\r\n")) < 0) {
            if (!fill(error))
                return false;
        }
        out = m_buffer.left(end);
        m_buffer.remove(0, end + 2);
        return true;
    }

    bool readReply(HttpReply &reply)
    {
        QByteArray statusLine;
        if (!line(statusLine, reply.error))
            return false;
        const QList<QByteArray> parts = statusLine.split(' ');
        bool ok = false;
        reply.status = parts.size() >= 2 ? parts.at(1).toInt(&ok) : 0;
        if (!statusLine.startsWith("HTTP/1.") || !ok) {
            reply.error =
                QStringLiteral("not an HTTP status line: ") + QString::fromUtf8(statusLine);
            return false;
        }
        bool keepAlive = statusLine.startsWith("HTTP/1.1");
        for (;;) {
            QByteArray headerLine;
            if (!line(headerLine, reply.error))
                return false;
            if (headerLine.isEmpty())
                break;
            const qsizetype colon = headerLine.indexOf(':');
            if (colon <= 0) {
                reply.error = QStringLiteral("bad header line: ") + QString::fromUtf8(headerLine);
                return false;
            }
            reply.headers.append(
                {headerLine.left(colon).trimmed(), headerLine.mid(colon + 1).trimmed()});
        }
        const QByteArray connection = reply.header("Connection").toLower();
        if (connection == "close")
            keepAlive = false;
        else if (connection == "keep-alive")
            keepAlive = true;
        if (reply.header("Transfer-Encoding").toLower().contains("chunked")) {
            if (!readChunks(reply))
                return false;
        } else if (const QByteArray length = reply.header("Content-Length"); !length.isEmpty()) {
            if (!take(length.toLongLong(), reply.body, reply.error))
                return false;
        } else if (reply.status != 204 && reply.status != 304 && reply.status >= 200) {
            // No length: the body runs to the end of the connection.
            while (m_socket->state() == QAbstractSocket::ConnectedState
                   && m_socket->waitForReadyRead(m_timeoutMs))
                m_buffer += m_socket->readAll();
            reply.body = std::exchange(m_buffer, {});
            keepAlive = false;
        }
        if (!keepAlive)
            m_socket->disconnectFromHost();
        return true;
    }

    bool readChunks(HttpReply &reply)
    {
        for (;;) {
            QByteArray sizeLine;
            if (!line(sizeLine, reply.error))
                return false;
            bool ok = false;
            const qsizetype size = sizeLine.split(';').first().trimmed().toLongLong(&ok, 16);
            if (!ok) {
                reply.error = QStringLiteral("bad chunk size: ") + QString::fromUtf8(sizeLine);
                return false;
            }
            QByteArray chunk;
            if (size == 0) {
                // Trailers, up to the empty line.
                do {
                    if (!line(chunk, reply.error))
                        return false;
                } while (!chunk.isEmpty());
                return true;
            }
            if (!take(size + 2, chunk, reply.error))
                return false;
            reply.body += chunk.left(size);
        }
    }

    QString m_host;
    quint16 m_port;
    int m_timeoutMs;
    std::unique_ptr<QTcpSocket> m_socket; // made on first use, on the using thread
    QByteArray m_buffer;
    int m_connections = 0;
};

/// `concurrency` threads, each with its own HttpConnection, sending what `makeRequest` returns
/// and judging each answer with `check` (an empty string: as expected). Both are called from the
/// load threads at once, so they must be thread-safe.
class LoadGenerator
{
public:
    using MakeRequest = std::function<HttpRequest(int worker, qint64 index)>;
    using Check = std::function<QString(const HttpRequest &request, const HttpReply &reply)>;

    LoadGenerator(QString host, quint16 port, int concurrency, MakeRequest makeRequest, Check check)
        : m_host(std::move(host)), m_port(port), m_concurrency(concurrency),
          m_makeRequest(std::move(makeRequest)), m_check(std::move(check))
    {
    }
    ~LoadGenerator() { stop(); }
    LoadGenerator(const LoadGenerator &) = delete;
    LoadGenerator &operator=(const LoadGenerator &) = delete;

    /// Starts the threads: each sends `requestsPerWorker` requests, or runs until stop() when
    /// it is negative.
    void start(qint64 requestsPerWorker = -1)
    {
        m_stopping = false;
        for (int worker = 0; worker < m_concurrency; ++worker) {
            m_threads.emplace_back(QThread::create(
                [this, worker, requestsPerWorker] { run(worker, requestsPerWorker); }));
            m_threads.back()->start();
        }
    }
    /// Lets the requests in flight finish, then joins the threads.
    void stop()
    {
        m_stopping = true;
        wait();
    }
    /// Joins the threads (after a start() with a request count).
    void wait()
    {
        for (const auto &thread : m_threads)
            thread->wait();
        m_threads.clear();
    }

    qint64 answered() const { return m_answered.load(); }
    qint64 failed() const { return m_failed.load(); }
    /// Connections opened over all threads (the concurrency when all were kept alive).
    qint64 connections() const { return m_connections.load(); }
    /// The first failures, at most ten, each with its request's tag.
    QStringList failures() const
    {
        QMutexLocker lock(&m_mutex);
        return m_failures;
    }

private:
    void run(int worker, qint64 requestsPerWorker)
    {
        HttpConnection connection(m_host, m_port);
        for (qint64 index = 0; requestsPerWorker < 0 || index < requestsPerWorker; ++index) {
            if (m_stopping.load())
                break;
            const HttpRequest request = m_makeRequest(worker, index);
            const HttpReply reply = connection.send(request);
            const QString problem = reply.status == 0 ? reply.error : m_check(request, reply);
            if (problem.isEmpty()) {
                m_answered.fetch_add(1);
                continue;
            }
            m_failed.fetch_add(1);
            QMutexLocker lock(&m_mutex);
            if (m_failures.size() < 10)
                m_failures.append(QStringLiteral("worker %1, request %2 (tag %3): %4")
                                      .arg(worker)
                                      .arg(index)
                                      .arg(request.tag)
                                      .arg(problem));
        }
        m_connections.fetch_add(connection.connectionsOpened());
    }

    const QString m_host;
    const quint16 m_port;
    const int m_concurrency;
    const MakeRequest m_makeRequest;
    const Check m_check;
    std::vector<std::unique_ptr<QThread>> m_threads;
    std::atomic<bool> m_stopping{false};
    std::atomic<qint64> m_answered{0};
    std::atomic<qint64> m_failed{0};
    std::atomic<qint64> m_connections{0};
    mutable QMutex m_mutex;
    QStringList m_failures;
};

} // namespace testsupport
