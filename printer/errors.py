"""Errors of the printer package: one base class, one subclass per thing that can go wrong.

Each message is given in Chinese and English ("中文 / English") so that a screen can show the
first half to a member and a log keeps both.
"""

from __future__ import annotations


class PrinterError(Exception):
    """Any printing failure."""

    zh: str = "打印失败"
    en: str = "Printing failed"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        text = f"{self.zh} / {self.en}"
        super().__init__(f"{text}: {detail}" if detail else text)

    def __reduce__(self) -> tuple[type[PrinterError], tuple[str]]:
        # pickled (from the document worker process) as made, not from its joined message
        return type(self), (self.detail,)


class PaperOut(PrinterError):
    zh = "凭条打印机缺纸"
    en = "The receipt printer is out of paper"


class CoverOpen(PrinterError):
    zh = "打印机盖未关闭"
    en = "The printer cover is open"


class PrinterOffline(PrinterError):
    zh = "打印机离线或无法连接"
    en = "The printer is offline or cannot be reached"


class StatusUnknown(PrinterError):
    zh = "打印机没有应答状态查询"
    en = "The printer did not answer the status query"


class QueueStopped(PrinterError):
    zh = "A4打印队列已停止"
    en = "The A4 print queue is stopped"


class QueueNotAccepting(PrinterError):
    zh = "A4打印队列不接受新任务"
    en = "The A4 print queue is not accepting jobs"


class QueueMissing(PrinterError):
    zh = "找不到A4打印队列"
    en = "The A4 print queue does not exist"


class JobAborted(PrinterError):
    zh = "打印任务被中止或取消"
    en = "The print job was aborted or cancelled"


class JobTimeout(PrinterError):
    zh = "打印任务超时未完成"
    en = "The print job did not complete in time"


class FontMissing(PrinterError):
    zh = "找不到打印用的中文字体"
    en = "The Chinese font for printing is missing"
