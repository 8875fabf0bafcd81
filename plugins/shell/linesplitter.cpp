#include "plugins/shell/linesplitter.h"

#include <utility>

namespace millrace::shell {

LineSplitter::LineSplitter(qsizetype maxLineBytes, LineHandler handler)
    : m_maxLineBytes(maxLineBytes), m_handler(std::move(handler))
{
    m_pending.reserve(qMin<qsizetype>(m_maxLineBytes, 4096));
}

void LineSplitter::feed(QByteArrayView bytes)
{
    qsizetype position = 0;
    while (position < bytes.size()) {
        const qsizetype newline = bytes.indexOf('\n', position);
        const qsizetype end = newline < 0 ? bytes.size() : newline;
        const qsizetype room = m_maxLineBytes - m_pending.size();
        if (end - position > room) {
            // The line outgrows the limit: hand on a full piece now instead of holding on to it.
            m_pending.append(bytes.sliced(position, room));
            position += room;
            m_inLongLine = true;
            handOn();
            continue;
        }
        m_pending.append(bytes.sliced(position, end - position));
        position = end;
        if (newline < 0)
            break;
        ++position;
        handOn();
        m_inLongLine = false;
    }
}

void LineSplitter::finish()
{
    if (!m_pending.isEmpty())
        handOn();
    m_inLongLine = false;
}

void LineSplitter::handOn()
{
    QByteArrayView line(m_pending);
    if (line.endsWith('\r'))
        line.chop(1);
    m_handler(line, m_inLongLine);
    m_pending.resize(0); // keeps the capacity for the next line
}

} // namespace millrace::shell
