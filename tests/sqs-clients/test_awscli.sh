#!/usr/bin/env bash
# AWS CLI smoke test against an SQS endpoint. Usage: SQS_ENDPOINT=http://127.0.0.1:PORT [AWS_CLI=/usr/bin/aws] test_awscli.sh
# (the CLI v1 from pip speaks JSON; Debian 12's awscli 2.9.19 still speaks the Query protocol)
# Prints one line per check ("ok - ..." / "not ok - ...") and ends with "RESULT passed failed skipped".
set -uo pipefail

endpoint=${SQS_ENDPOINT:?set SQS_ENDPOINT=http://127.0.0.1:PORT}
account=${SQS_ACCOUNT:-000000000000}
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_MAX_ATTEMPTS=1
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SQS

passed=0 failed=0 skipped=0
ok()     { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }
check()  { # check NAME ACTUAL EXPECTED
  if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "expected: $3" "actual:   $2"; fi
}

aws_cli=${AWS_CLI:-aws}
if ! command -v "$aws_cli" >/dev/null 2>&1; then
  skipped=1; echo "skip - $aws_cli not installed"; echo "RESULT 0 0 1"; exit 0
fi
echo "# $("$aws_cli" --version 2>&1)"

aws_sqs() { timeout 60 "$aws_cli" --endpoint-url "$endpoint" --output json sqs "$@"; }
md5() { printf '%s' "$1" | md5sum | cut -d' ' -f1; }

name="cli-$(date +%s)-$$"
body=$'hello from the AWS CLI \xc3\xa9\r\nsecond line'

out=$(aws_sqs create-queue --queue-name "$name" --attributes VisibilityTimeout=40,DelaySeconds=0 2>&1)
url=$(jq -r '.QueueUrl' <<<"$out" 2>/dev/null)
check "create-queue returns the queue URL" "${url##*/$account/}" "$name"

out=$(aws_sqs get-queue-url --queue-name "$name" 2>&1)
check "get-queue-url" "$(jq -r .QueueUrl <<<"$out" 2>/dev/null)" "$url"

out=$(aws_sqs list-queues --queue-name-prefix "$name" 2>&1)
check "list-queues --queue-name-prefix" "$(jq -c .QueueUrls <<<"$out" 2>/dev/null)" "[\"$url\"]"

out=$(AWS_DEFAULT_REGION=us-west-2 aws_sqs list-queues --queue-name-prefix "$name" 2>&1)
check "list-queues signed for another region does not see the queue" "$(jq -c '.QueueUrls // []' <<<"${out:-{\}}" 2>/dev/null)" "[]"

out=$(aws_sqs send-message --queue-url "$url" --message-body "$body" \
  --message-attributes '{"kind":{"DataType":"String","StringValue":"smoke"},"n":{"DataType":"Number","StringValue":"7"}}' 2>&1)
msg_id=$(jq -r .MessageId <<<"$out" 2>/dev/null)
check "send-message MD5OfMessageBody" "$(jq -r .MD5OfMessageBody <<<"$out" 2>/dev/null)" "$(md5 "$body")"
[ -n "$msg_id" ] && [ "$msg_id" != null ] && ok "send-message returns a MessageId" || not_ok "send-message returns a MessageId" "$out"

out=$(aws_sqs get-queue-attributes --queue-url "$url" --attribute-names All 2>&1)
check "get-queue-attributes VisibilityTimeout" "$(jq -r .Attributes.VisibilityTimeout <<<"$out" 2>/dev/null)" "40"
check "get-queue-attributes ApproximateNumberOfMessages" \
  "$(jq -r .Attributes.ApproximateNumberOfMessages <<<"$out" 2>/dev/null)" "1"
check "get-queue-attributes QueueArn" "$(jq -r .Attributes.QueueArn <<<"$out" 2>/dev/null)" \
  "arn:aws:sqs:us-east-1:$account:$name"

out=$(aws_sqs receive-message --queue-url "$url" --max-number-of-messages 10 --wait-time-seconds 2 \
  --message-attribute-names All --attribute-names All 2>&1)
check "receive-message returns one message" "$(jq '.Messages | length' <<<"$out" 2>/dev/null)" "1"
check "receive-message MessageId" "$(jq -r '.Messages[0].MessageId' <<<"$out" 2>/dev/null)" "$msg_id"
check "receive-message Body (CRLF, non-ASCII) intact" "$(jq -j '.Messages[0].Body' <<<"$out" 2>/dev/null)" "$body"
check "receive-message MD5OfBody" "$(jq -r '.Messages[0].MD5OfBody' <<<"$out" 2>/dev/null)" "$(md5 "$body")"
check "receive-message message attribute" \
  "$(jq -r '.Messages[0].MessageAttributes.kind.StringValue' <<<"$out" 2>/dev/null)" "smoke"
check "receive-message ApproximateReceiveCount" \
  "$(jq -r '.Messages[0].Attributes.ApproximateReceiveCount' <<<"$out" 2>/dev/null)" "1"
handle=$(jq -r '.Messages[0].ReceiptHandle' <<<"$out" 2>/dev/null)

out=$(aws_sqs delete-message --queue-url "$url" --receipt-handle "$handle" 2>&1); rc=$?
check "delete-message succeeds silently" "$rc:$out" "0:"

out=$(aws_sqs receive-message --queue-url "$url" --wait-time-seconds 1 2>&1)
check "queue is empty after delete" "$(jq '.Messages | length' <<<"${out:-{\}}" 2>/dev/null)" "0"

out=$(aws_sqs delete-queue --queue-url "$url" 2>&1); rc=$?
check "delete-queue succeeds silently" "$rc:$out" "0:"

out=$(aws_sqs get-queue-url --queue-name "$name" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && grep -q "AWS.SimpleQueueService.NonExistentQueue" <<<"$out"; then
  ok "get-queue-url after delete fails with AWS.SimpleQueueService.NonExistentQueue"
else
  not_ok "get-queue-url after delete fails with AWS.SimpleQueueService.NonExistentQueue" "rc=$rc" "$out"
fi

echo "RESULT $passed $failed $skipped"
[ "$failed" -eq 0 ]
