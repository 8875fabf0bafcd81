#include "ui/panels/jobs/logview.h"

#include <QFontDatabase>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>

namespace millrace::ui {

LogView::LogView(QWidget *parent) : QPlainTextEdit(parent)
{
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setUndoRedoEnabled(false);
}

void LogView::showLog(const QString &text, bool truncated)
{
    setPlaceholderText(QString());
    setPlainText(truncated ? tr("[… the start of the log is left out …]\n") + text : text);
    trim();
    scrollToEnd();
}

void LogView::appendLog(const QString &text)
{
    const bool follow = isAtEnd();
    // Keep the user's place: only the end moves.
    const int scroll = verticalScrollBar()->value();
    QTextCursor cursor(document());
    cursor.movePosition(QTextCursor::End);
    cursor.insertText(text);
    trim();
    if (follow)
        scrollToEnd();
    else
        verticalScrollBar()->setValue(scroll);
}

void LogView::showMessage(const QString &message)
{
    clear();
    setPlaceholderText(message);
}

void LogView::trim()
{
    const int excess = document()->characterCount() - m_capChars;
    if (excess <= 0)
        return;
    // Drop whole lines from the top, at least `excess` characters.
    QTextCursor cursor(document());
    cursor.setPosition(qMin(excess, document()->characterCount() - 1), QTextCursor::KeepAnchor);
    cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
    cursor.movePosition(QTextCursor::NextCharacter, QTextCursor::KeepAnchor);
    cursor.removeSelectedText();
}

bool LogView::isAtEnd() const
{
    return verticalScrollBar()->value() >= verticalScrollBar()->maximum() - 2;
}

void LogView::scrollToEnd()
{
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

} // namespace millrace::ui
