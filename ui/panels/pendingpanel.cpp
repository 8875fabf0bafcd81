#include "ui/panels/pendingpanel.h"

#include <QLabel>
#include <QVBoxLayout>

namespace millrace::ui {

PendingPanel::PendingPanel(const QString &title, const QString &purpose, const QString &arrivesWith,
                           QWidget *parent)
    : QWidget(parent)
{
    auto *heading = new QLabel(title, this);
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.6);
    headingFont.setBold(true);
    heading->setFont(headingFont);

    auto *purposeLabel = new QLabel(purpose, this);
    purposeLabel->setWordWrap(true);

    auto *status = new QLabel(
        tr("Not in this build yet: this panel arrives with %1. Nothing here is shown until then.")
            .arg(arrivesWith),
        this);
    status->setObjectName(QStringLiteral("pendingStatus"));
    status->setWordWrap(true);
    status->setForegroundRole(QPalette::PlaceholderText);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(32, 32, 32, 32);
    layout->setSpacing(12);
    layout->addWidget(heading);
    layout->addWidget(purposeLabel);
    layout->addWidget(status);
    layout->addStretch(1);
}

} // namespace millrace::ui
