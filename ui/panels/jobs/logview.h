#pragma once

#include <QPlainTextEdit>

namespace millrace::ui {

/// A read-only, monospaced view of a task log that keeps at most a cap of characters (the
/// oldest lines go first) and stays scrolled to the end while the user has not scrolled up.
class LogView : public QPlainTextEdit
{
    Q_OBJECT
public:
    explicit LogView(QWidget *parent = nullptr);

    /// The most characters kept: 2 M unless set.
    void setCapChars(int chars) { m_capChars = chars; }
    int capChars() const { return m_capChars; }

    /// Replaces the text; `truncated` says the start of the log is left out.
    void showLog(const QString &text, bool truncated);
    /// Adds `text` at the end.
    void appendLog(const QString &text);
    /// Shows no log, with `message` in its place.
    void showMessage(const QString &message);

private:
    void trim();
    bool isAtEnd() const;
    void scrollToEnd();

    int m_capChars = 2 * 1024 * 1024;
};

} // namespace millrace::ui
