"""Messages to carers and staff: the outbox (a row first, in the action's transaction), its worker and senders."""
