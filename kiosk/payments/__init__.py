"""The member's payments, exactly once: the service the pay screens call (`service`), the pay
wizard's requests behind the session's data port (`flow`), the durable journal written before
every outside call (`journal`), the payments API client (`client`), the errors raised before
money moves (`errors`), and the service as a process of its own for fault runs (`worker`)."""
