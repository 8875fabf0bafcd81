#pragma once

#include <QLineEdit>

QT_BEGIN_NAMESPACE
class QCompleter;
class QStringListModel;
QT_END_NAMESPACE

namespace millrace::ui {

/// The line where a run search filter is typed (MLflow syntax plus OR and parentheses). Completes
/// the name under the cursor (`metrics.<key>`, `params.<key>`, `tags.<key>`, attributes) from a
/// popup, anywhere in the filter, and emits submitted() on Enter unless Enter picks a completion.
class SearchFilterEdit : public QLineEdit
{
    Q_OBJECT
public:
    explicit SearchFilterEdit(QWidget *parent = nullptr);

    /// The names offered for completion, in the order shown.
    void setCompletions(const QStringList &words);
    QStringList completions() const;
    /// The completer, for tests that look at its popup.
    QCompleter *completer() const { return m_completer; }

Q_SIGNALS:
    /// Enter was pressed on `filter` (the whole text).
    void submitted(const QString &filter);

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    void updateCompletion();
    void insertCompletion(const QString &word);

    QCompleter *m_completer;
    QStringListModel *m_words;
};

} // namespace millrace::ui
