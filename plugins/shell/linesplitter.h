#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <functional>

namespace millrace::shell {

/// Cuts one output stream of a process into lines as its bytes arrive. A line longer than
/// `maxLineBytes` is handed on in pieces of that size, so output without newlines cannot fill
/// memory.
class LineSplitter
{
public:
    /// Receives each line without its newline (and without a trailing '\r'). `cut` is true for
    /// every piece of a line that was too long to hand on whole.
    using LineHandler = std::function<void(QByteArrayView line, bool cut)>;

    /// Hands lines of up to `maxLineBytes` bytes to `handler`.
    LineSplitter(qsizetype maxLineBytes, LineHandler handler);

    /// Takes the next bytes of the stream; calls the handler for each line they complete.
    void feed(QByteArrayView bytes);
    /// Hands on a last line that had no newline. Call once, when the stream has ended.
    void finish();

private:
    void handOn();

    qsizetype m_maxLineBytes;
    LineHandler m_handler;
    QByteArray m_pending;
    bool m_inLongLine = false;
};

} // namespace millrace::shell
