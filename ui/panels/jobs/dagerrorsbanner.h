#pragma once

#include "core/scheduler/dagspec.h"

#include <QFrame>
#include <QList>

QT_BEGIN_NAMESPACE
class QLabel;
class QListWidget;
QT_END_NAMESPACE

namespace millrace::ui {

/// The red banner over the Jobs panel that lists the DAG files that did not load, one
/// "file:line:column: message" a line; hidden while every file loads.
class DagErrorsBanner : public QFrame
{
    Q_OBJECT
public:
    explicit DagErrorsBanner(QWidget *parent = nullptr);

    /// Shows `errors` (none: hides).
    void setErrors(const QList<scheduler::DagFileError> &errors);
    /// The lines shown.
    QStringList lines() const;
    /// Tints the banner red over `base` (again after the desktop's palette changed).
    void updateColours(const QPalette &base);

private:
    QLabel *m_heading;
    QListWidget *m_list;
};

} // namespace millrace::ui
