"""Business rules of the back office: what a member may pay (dues), the pension estimate, and
what a certificate attests. Pure functions of the policy, the day and the member's records."""
