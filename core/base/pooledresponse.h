#pragma once

// Header-only, for the HTTP servers (tracking, serving): include it only where Qt6::HttpServer
// is linked.

#include <QHttpServerResponder>
#include <QHttpServerResponse>
#include <QMetaObject>
#include <QPointer>
#include <QTcpSocket>
#include <QThreadPool>

#include <memory>
#include <utility>

namespace millrace {

/// Answers an HTTP request with what `work` returns (a QHttpServerResponse), computed on `pool`
/// and written back on `context`'s thread (the server's) — but only while the client is still
/// connected. Qt 6.4's own QFuture routes write the answer even after a client that gave up has
/// had its socket deleted, and crash; route handlers that take a QHttpServerResponder and call
/// this do not.
template <typename Work>
void respondFromPool(QHttpServerResponder &&responder, QObject *context, QThreadPool &pool,
                     Work work)
{
    auto pending = std::make_shared<QHttpServerResponder>(std::move(responder));
    const QPointer<QTcpSocket> socket = pending->socket();
    // The server waits for its pool before it goes, so `context` outlives the work; the responder
    // is let go on the server's thread, after the posted write.
    pool.start([context, pending, socket, work = std::move(work)]() mutable {
        auto response = std::make_shared<QHttpServerResponse>(work());
        QMetaObject::invokeMethod(
            context,
            [pending, socket, response] {
                if (socket && socket->state() == QAbstractSocket::ConnectedState)
                    response->write(std::move(*pending));
            },
            Qt::QueuedConnection);
    });
}

} // namespace millrace
