#pragma once

#include <QSortFilterProxyModel>

namespace millrace::ui {

/// Shows the log rows at or above a level whose category or message contains a text.
class LogFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit LogFilterModel(QObject *parent = nullptr);

    /// Hides rows below `type` in severity (debug < info < warning < error < fatal).
    void setMinimumLevel(QtMsgType type);
    /// Hides rows whose category and message both lack `text` (case-insensitive).
    void setText(const QString &text);

    /// Severity rank of a level, lowest first.
    static int severity(QtMsgType type);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    int m_minimumSeverity = 0;
    QString m_text;
};

} // namespace millrace::ui
