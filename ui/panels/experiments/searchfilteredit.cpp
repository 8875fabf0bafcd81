#include "ui/panels/experiments/searchfilteredit.h"

#include "ui/panels/experiments/filtercompletion.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QKeyEvent>
#include <QScrollBar>
#include <QStringListModel>

namespace millrace::ui {

SearchFilterEdit::SearchFilterEdit(QWidget *parent)
    : QLineEdit(parent), m_completer(new QCompleter(this)), m_words(new QStringListModel(this))
{
    // Not QLineEdit::setCompleter(): that one completes the whole line, not the name under the
    // cursor.
    m_completer->setModel(m_words);
    m_completer->setWidget(this);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setFilterMode(Qt::MatchStartsWith);
    m_completer->setMaxVisibleItems(12);
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this,
            &SearchFilterEdit::insertCompletion);
    connect(this, &QLineEdit::textEdited, this, &SearchFilterEdit::updateCompletion);
}

void SearchFilterEdit::setCompletions(const QStringList &words)
{
    if (m_words->stringList() != words)
        m_words->setStringList(words);
}

QStringList SearchFilterEdit::completions() const
{
    return m_words->stringList();
}

void SearchFilterEdit::keyPressEvent(QKeyEvent *event)
{
    QAbstractItemView *popup = m_completer->popup();
    if (popup->isVisible()) {
        switch (event->key()) {
        case Qt::Key_Enter:
        case Qt::Key_Return:
        case Qt::Key_Escape:
        case Qt::Key_Tab:
        case Qt::Key_Backtab:
            // The completer acts on these once the line edit leaves them alone.
            event->ignore();
            return;
        default:
            break;
        }
    }
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    QLineEdit::keyPressEvent(event);
    if (enter) {
        event->accept();
        Q_EMIT submitted(text());
    }
}

void SearchFilterEdit::updateCompletion()
{
    const int start = completionStart(text(), cursorPosition());
    QAbstractItemView *popup = m_completer->popup();
    if (start < 0) {
        popup->hide();
        return;
    }
    const QString prefix = text().mid(start, cursorPosition() - start);
    m_completer->setCompletionPrefix(prefix);
    const int matches = m_completer->completionCount();
    // Nothing to offer, or the name is already complete.
    if (matches == 0
        || (matches == 1
            && m_completer->currentCompletion().compare(prefix, Qt::CaseInsensitive) == 0)) {
        popup->hide();
        return;
    }
    popup->setCurrentIndex(m_completer->completionModel()->index(0, 0));
    QRect rect = cursorRect();
    rect.setWidth(popup->sizeHintForColumn(0) + popup->verticalScrollBar()->sizeHint().width() + 8);
    m_completer->complete(rect);
}

void SearchFilterEdit::insertCompletion(const QString &word)
{
    const int cursor = cursorPosition();
    const int start = completionStart(text(), cursor);
    if (start < 0)
        return;
    QString updated = text();
    updated.replace(start, cursor - start, word);
    setText(updated);
    setCursorPosition(start + int(word.size()));
}

} // namespace millrace::ui
