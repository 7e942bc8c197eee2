# Thông báo cho công dân. Mỗi mẫu có ba phần: subject (tiêu đề thư), body (nội dung thư) và
# short (tin nhắn SMS/Zalo, ngắn; SMS gửi không dấu). Biến: { $code } mã hồ sơ,
# { $procedure } tên thủ tục, { $status } trạng thái, { $appointment } ngày hẹn trả,
# { $missing } giấy tờ cần bổ sung, { $due_by } hạn bổ sung (mẫu supplement-due), { $reason } lý do,
# { $amount } số tiền, { $new_due } ngày hẹn mới, { $tracking } số hiệu bưu gửi, { $link } đường
# dẫn tra cứu.
submitted.subject = Hồ sơ { $code } đã được nộp
submitted.body = Hồ sơ { $code } ({ $procedure }) đã được nộp trực tuyến và đang chờ bộ phận một cửa tiếp nhận. Theo dõi hồ sơ tại { $link }
submitted.short = Hồ sơ { $code } đã nộp, chờ tiếp nhận. Tra cứu: { $link }
received.subject = Hồ sơ { $code } đã được tiếp nhận, hẹn trả { $appointment }
received.body = Hồ sơ { $code } ({ $procedure }) đã được tiếp nhận. Ngày hẹn trả kết quả: { $appointment }. Theo dõi hồ sơ tại { $link }
received.short = Hồ sơ { $code } đã tiếp nhận, hẹn trả { $appointment }. Tra cứu: { $link }
supplement.subject = Hồ sơ { $code } cần bổ sung giấy tờ
supplement.body = Hồ sơ { $code } ({ $procedure }) cần bổ sung: { $missing }. Lý do: { $reason }. Vui lòng bổ sung trực tuyến hoặc tại bộ phận một cửa. Chi tiết tại { $link }
supplement.short = Hồ sơ { $code } cần bổ sung: { $missing }. Chi tiết: { $link }
supplement-due.subject = Hồ sơ { $code } cần bổ sung giấy tờ chậm nhất ngày { $due_by }
supplement-due.body = Hồ sơ { $code } ({ $procedure }) cần bổ sung: { $missing }. Lý do: { $reason }. Hạn bổ sung: { $due_by }. Vui lòng bổ sung trực tuyến hoặc tại bộ phận một cửa. Chi tiết tại { $link }
supplement-due.short = Hồ sơ { $code } cần bổ sung chậm nhất ngày { $due_by }: { $missing }. Chi tiết: { $link }
supplement-received.subject = Hồ sơ { $code } đã nhận đủ giấy tờ bổ sung
supplement-received.body = Hồ sơ { $code } đã nhận đủ giấy tờ bổ sung và tiếp tục được xử lý. Ngày hẹn trả: { $appointment }. Theo dõi tại { $link }
supplement-received.short = Hồ sơ { $code } đã bổ sung đủ, hẹn trả { $appointment }. { $link }
refused.subject = Hồ sơ { $code } không được tiếp nhận
refused.body = Hồ sơ { $code } ({ $procedure }) không được tiếp nhận. Lý do: { $reason }. Chi tiết tại { $link }
refused.short = Hồ sơ { $code } không được tiếp nhận: { $reason }. { $link }
obligation.subject = Hồ sơ { $code }: cần thực hiện nghĩa vụ tài chính
obligation.body = Hồ sơ { $code } ({ $procedure }) cần thực hiện nghĩa vụ tài chính: { $reason } { $amount }. Thanh toán trực tuyến hoặc tại bộ phận một cửa; thời hạn giải quyết tạm dừng đến khi thanh toán xong. Chi tiết tại { $link }
obligation.short = Hồ sơ { $code } cần nộp { $amount }: { $reason }. Thanh toán: { $link }
obligation-paid.subject = Hồ sơ { $code }: đã thực hiện nghĩa vụ tài chính
obligation-paid.body = Hồ sơ { $code } đã được xác nhận thanh toán và tiếp tục được xử lý. Ngày hẹn trả: { $appointment }. Theo dõi tại { $link }
obligation-paid.short = Hồ sơ { $code } đã thanh toán, hẹn trả { $appointment }. { $link }
result-ready.subject = Hồ sơ { $code } đã có kết quả
result-ready.body = Hồ sơ { $code } ({ $procedure }) đã giải quyết xong. Kết quả được trả theo hình thức bạn đã chọn. Chi tiết tại { $link }
result-ready.short = Hồ sơ { $code } đã có kết quả. Chi tiết: { $link }
returned.subject = Hồ sơ { $code } đã trả kết quả
returned.body = Kết quả hồ sơ { $code } ({ $procedure }) đã được trả. Cảm ơn bạn đã sử dụng dịch vụ; hãy đánh giá mức độ hài lòng tại { $link }
returned.short = Hồ sơ { $code } đã trả kết quả. Đánh giá: { $link }
posted.subject = Kết quả hồ sơ { $code } đã gửi qua bưu điện
posted.body = Kết quả hồ sơ { $code } ({ $procedure }) đã được giao cho bưu điện, số hiệu bưu gửi { $tracking }. Theo dõi tại { $link }
posted.short = Kết quả hồ sơ { $code } đã gửi bưu điện, số hiệu { $tracking }. { $link }
delivered.subject = Kết quả hồ sơ { $code } đã được phát
delivered.body = Bưu điện đã phát kết quả hồ sơ { $code } (bưu gửi { $tracking }). Cảm ơn bạn đã sử dụng dịch vụ; hãy đánh giá mức độ hài lòng tại { $link }
delivered.short = Kết quả hồ sơ { $code } đã phát thành công ({ $tracking }). { $link }
return-to-sender.subject = Kết quả hồ sơ { $code } chưa phát được
return-to-sender.body = Bưu điện chưa phát được kết quả hồ sơ { $code } (bưu gửi { $tracking }): { $reason }. Kết quả đã về bộ phận một cửa; vui lòng liên hệ để nhận. Chi tiết tại { $link }
return-to-sender.short = Kết quả hồ sơ { $code } chưa phát được, đã về một cửa. { $link }
withdrawn.subject = Hồ sơ { $code } đã được rút
withdrawn.body = Hồ sơ { $code } ({ $procedure }) đã được rút theo yêu cầu. Lý do: { $reason }.
withdrawn.short = Hồ sơ { $code } đã rút theo yêu cầu.
stopped.subject = Hồ sơ { $code } bị dừng xử lý
stopped.body = Hồ sơ { $code } ({ $procedure }) bị dừng xử lý. Lý do: { $reason }. Chi tiết tại { $link }
stopped.short = Hồ sơ { $code } dừng xử lý: { $reason }. { $link }
apology.subject = Xin lỗi: hồ sơ { $code } trả kết quả chậm, hẹn lại { $new_due }
apology.body = Cơ quan giải quyết xin lỗi vì hồ sơ { $code } ({ $procedure }) chưa thể trả kết quả đúng hẹn. Lý do: { $reason }. Ngày hẹn trả mới: { $new_due }. Theo dõi tại { $link }
apology.short = Xin lỗi: hồ sơ { $code } trả chậm, hẹn lại { $new_due }. { $link }
status.subject = Hồ sơ { $code }: { $status }
status.body = Hồ sơ { $code } ({ $procedure }) đã chuyển sang trạng thái: { $status }. Theo dõi tại { $link }
status.short = Hồ sơ { $code }: { $status }. { $link }
test.subject = Một Cửa: tin nhắn thử
test.body = Đây là tin nhắn thử của hệ thống Một Cửa, gửi lúc { $appointment }. Nếu bạn nhận được, kênh này đã hoạt động.
test.short = Một Cửa: tin nhắn thử lúc { $appointment }.
# Trả lời của trợ lý tra cứu trên Zalo (bot). Biến như trên, { $next } là bước tiếp theo.
bot.status = Hồ sơ { $code } — { $procedure }. Trạng thái: { $status }. Ngày hẹn trả: { $appointment }. Bước tiếp theo: { $next } Chi tiết: { $link }
bot.not-found = Không tìm thấy hồ sơ mã { $code }. Vui lòng kiểm tra lại mã in trên giấy tiếp nhận (dạng 000.00.30.H13-261206-0001).
bot.no-code = Để tra cứu, hãy gửi: tra cứu <mã hồ sơ>, ví dụ: tra cứu 000.00.30.H13-261206-0001. Mã hồ sơ in trên giấy tiếp nhận và trong tin nhắn xác nhận.
bot.help = Xin chào! Đây là trợ lý tra cứu hồ sơ thủ tục hành chính. Gửi: tra cứu <mã hồ sơ> để biết trạng thái và ngày hẹn trả, ví dụ: tra cứu 000.00.30.H13-261206-0001.
bot.rate-limited = Bạn đã tra cứu nhiều lần trong một phút. Vui lòng thử lại sau ít phút.
bot.next.1 = chờ bộ phận một cửa kiểm tra và tiếp nhận hồ sơ.
bot.next.2 = hồ sơ đang được giải quyết; bạn sẽ được báo khi có kết quả.
bot.next.3 = hồ sơ không được tiếp nhận; xem lý do trên cổng dịch vụ công.
bot.next.4 = hồ sơ đang được giải quyết; bạn sẽ được báo khi có kết quả.
bot.next.5 = bổ sung giấy tờ theo yêu cầu, trực tuyến hoặc tại bộ phận một cửa.
bot.next.5-by = bổ sung giấy tờ theo yêu cầu trước ngày { $date }, trực tuyến hoặc tại bộ phận một cửa.
bot.next.6 = thực hiện nghĩa vụ tài chính (thanh toán trực tuyến hoặc tại bộ phận một cửa).
bot.next.7 = hồ sơ đã được rút theo yêu cầu.
bot.next.8 = hồ sơ đã dừng xử lý; xem lý do trên cổng dịch vụ công.
bot.next.9 = nhận kết quả tại bộ phận một cửa hoặc theo hình thức đã chọn.
bot.next.10 = đã trả kết quả; mời bạn đánh giá mức độ hài lòng.

# Thư cho cán bộ (không nằm trong danh sách mẫu sửa được trên trang quản trị).
# dossier-consult: { $unit } đơn vị được xin ý kiến, { $question } nội dung xin ý kiến.
dossier-consult.subject = Xin ý kiến về hồ sơ { $code }
dossier-consult.body = { $unit } được đề nghị cho ý kiến về hồ sơ { $code } (thủ tục { $procedure }). Nội dung xin ý kiến: { $question } — Hồ sơ: { $link }
dossier-consult.short = Xin ý kiến về hồ sơ { $code }: { $question }
# Văn bản (gửi cán bộ): { $label } số/ký hiệu, { $title } trích yếu, { $deadline } hạn xử lý.
document-task.subject = Văn bản { $label }: { $title }
document-task.body = Văn bản { $label } ({ $title }) cần đồng chí xử lý. Xem tại { $link }
document-task.short = Văn bản { $label } cần đồng chí xử lý: { $link }
document-reminder.subject = Sắp đến hạn xử lý văn bản { $label }
document-reminder.body = Văn bản { $label } ({ $title }) đến hạn xử lý ngày { $deadline }. Xem tại { $link }
document-reminder.short = Văn bản { $label } đến hạn ngày { $deadline }: { $link }
